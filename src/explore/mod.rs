//! `imgsize explore`: the image to browse in the terminal, as dive's main mode,
//! with what imgsize adds (hidden bytes and which layer hid them, findings that
//! jump to their paths, packages, pull costs).
//!
//! `model.rs` makes each view's tree, `app.rs` holds the state and reads keys,
//! `ui.rs` draws; this file owns the terminal: raw mode and the alternate screen
//! on, and off again however the explorer ends (quit, error or panic).

pub mod app;
pub mod model;
pub mod ui;

use std::io::{IsTerminal, Write};

use ratatui::backend::CrosstermBackend;
use ratatui::crossterm::event::{
    self, DisableMouseCapture, EnableMouseCapture, Event, KeyEventKind,
};
use ratatui::crossterm::execute;
use ratatui::crossterm::terminal::{
    disable_raw_mode, enable_raw_mode, Clear, ClearType, EnterAlternateScreen, LeaveAlternateScreen,
};
use ratatui::Terminal;

pub use app::App;
/// Keys as the explorer reads them (tests and benchmarks send them).
pub use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use crate::analysis::Analysis;
use crate::error::Error;

/// Puts the terminal back: raw mode off, mouse capture off, the main screen, the
/// cursor shown. Safe to call more than once.
fn restore() {
    let _ = disable_raw_mode();
    let mut out = std::io::stdout();
    let _ = execute!(
        out,
        DisableMouseCapture,
        LeaveAlternateScreen,
        ratatui::crossterm::cursor::Show
    );
    let _ = out.flush();
}

/// Restores the terminal when dropped (an error returned through `?`).
struct Guard;

impl Drop for Guard {
    fn drop(&mut self) {
        restore();
    }
}

/// Whether stdout is a terminal the explorer can draw in; the error says why not.
pub fn check_terminal() -> Result<(), Error> {
    if !std::io::stdout().is_terminal() {
        return Err(Error::usage(
            "explore",
            "stdout is not a terminal (explore draws in one; `imgsize inspect` writes a report)",
        ));
    }
    Ok(())
}

/// Browses `analysis` until the user quits.
pub fn run(analysis: &Analysis) -> Result<(), Error> {
    let mut app = App::new(analysis);
    let io = |e: std::io::Error| Error::io("the terminal", e);
    // A panic is reported by the hook main() installed, which exits: put the
    // terminal back first, or the message lands on the alternate screen.
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        restore();
        previous(info);
    }));
    enable_raw_mode().map_err(io)?;
    let _guard = Guard;
    // Cleared here, not by ratatui's clear(), which asks the terminal where its
    // cursor is and fails where nothing answers.
    execute!(
        std::io::stdout(),
        EnterAlternateScreen,
        EnableMouseCapture,
        Clear(ClearType::All)
    )
    .map_err(io)?;
    let mut terminal = Terminal::new(CrosstermBackend::new(std::io::stdout())).map_err(io)?;
    while !app.quit {
        terminal.draw(|f| ui::draw(f, &mut app)).map_err(io)?;
        loop {
            let changed = match event::read().map_err(io)? {
                Event::Key(k) if k.kind != KeyEventKind::Release => app.key(k),
                Event::Mouse(m) => app.mouse(m),
                Event::Resize(..) => true,
                _ => false,
            };
            if changed || app.quit {
                break;
            }
        }
    }
    Ok(())
}

/// One frame of `app` drawn on a `width` x `height` screen, as text, one line per
/// row (the snapshot tests and the frame benchmark draw through this).
pub fn frame_text(app: &mut App, width: u16, height: u16) -> String {
    let backend = ratatui::backend::TestBackend::new(width, height);
    let mut terminal = Terminal::new(backend).expect("a test backend never fails");
    terminal
        .draw(|f| ui::draw(f, app))
        .expect("a test backend never fails");
    let buf = terminal.backend().buffer();
    let mut out = String::new();
    for y in 0..buf.area.height {
        let mut line = String::new();
        for x in 0..buf.area.width {
            line.push_str(buf[(x, y)].symbol());
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}
