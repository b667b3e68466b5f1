//! Draws the explorer: the image's figures on top; layers, details, findings and
//! packages on the left; the selected view's tree on the right; the selected
//! path and the keys at the bottom. Only the rows in view are drawn, so a frame
//! costs the same for 60 files or 60,000.

use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Cell, Clear, Paragraph, Row, Table, TableState, Wrap};
use ratatui::Frame;

use super::app::{App, Panel};
use super::model::{Mark, Sort};
use crate::size::human;
use crate::text::one_line;

fn mark_style(m: Mark) -> Style {
    match m {
        Mark::Added => Style::new().fg(Color::Green),
        Mark::Modified => Style::new().fg(Color::Yellow),
        Mark::Deleted => Style::new().fg(Color::Red),
        Mark::Unchanged => Style::new(),
    }
}

fn block(title: String, focused: bool) -> Block<'static> {
    let b = Block::bordered().title(title);
    if focused {
        b.border_style(Style::new().fg(Color::Cyan))
            .title_style(Style::new().add_modifier(Modifier::BOLD))
    } else {
        b
    }
}

fn selected_style(focused: bool) -> Style {
    if focused {
        Style::new().add_modifier(Modifier::REVERSED)
    } else {
        Style::new().add_modifier(Modifier::BOLD)
    }
}

/// Draws one frame.
pub fn draw(f: &mut Frame, app: &mut App) {
    let [top, main, path, keys] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Fill(1),
        Constraint::Length(1),
        Constraint::Length(1),
    ])
    .areas(f.area());
    f.render_widget(Paragraph::new(summary(app)), top);
    let [left, right] =
        Layout::horizontal([Constraint::Percentage(42), Constraint::Fill(1)]).areas(main);
    let layer_rows = app.layers() as u16 + 3;
    let [layers, details, findings, packages] = Layout::vertical([
        Constraint::Max(layer_rows.max(4)),
        Constraint::Length(7),
        Constraint::Fill(1),
        Constraint::Fill(1),
    ])
    .areas(left);
    app.areas.layers = layers;
    app.areas.tree = right;
    app.areas.findings = findings;
    app.areas.packages = packages;
    draw_layers(f, app, layers);
    draw_details(f, app, details);
    draw_findings(f, app, findings);
    draw_packages(f, app, packages);
    draw_tree(f, app, right);
    f.render_widget(Paragraph::new(selected_line(app)), path);
    f.render_widget(Paragraph::new(keys_line(app)), keys);
    if app.help {
        draw_help(f);
    }
}

/// The image in one line: its size, hidden bytes, pull size, dive's efficiency and
/// what the findings flag.
fn summary(app: &App) -> Line<'static> {
    let a = app.analysis;
    let mut s = format!(
        "{} · {} layers · {} (layers hold {}, {} hidden)",
        one_line(&a.input, 60),
        a.layers.len(),
        human(a.final_bytes()),
        human(a.layer_bytes()),
        human(a.hidden_bytes()),
    );
    if let Some(pull) = a.compressed_bytes() {
        s.push_str(&format!(" · pull {}", human(pull)));
    }
    s.push_str(&format!(
        " · dive efficiency {:.1}%, wasted {} · flagged {}",
        a.dive.efficiency * 100.0,
        human(a.dive.wasted_bytes),
        human(a.waste.flagged_bytes)
    ));
    Line::from(Span::styled(s, Style::new().add_modifier(Modifier::BOLD)))
}

fn draw_layers(f: &mut Frame, app: &App, area: Rect) {
    let focused = app.panel == Panel::Layers;
    // The pull column only where the layers are compressed.
    let pull = app
        .analysis
        .layers
        .iter()
        .any(|l| l.compressed_bytes.is_some());
    let rows = app.analysis.layers.iter().map(|l| {
        let hidden = if l.hidden_bytes > 0 {
            Cell::from(human(l.hidden_bytes)).style(Style::new().fg(Color::Yellow))
        } else {
            Cell::from("-")
        };
        let mut cells = vec![
            Cell::from(format!("{}", l.index)),
            Cell::from(human(l.bytes)),
            hidden,
        ];
        if pull {
            cells.push(Cell::from(
                l.compressed_bytes.map(human).unwrap_or_else(|| "-".into()),
            ));
        }
        cells.push(Cell::from(one_line(&l.instruction, 200)));
        Row::new(cells)
    });
    let view = if app.aggregate {
        "image as of the layer"
    } else {
        "the layer's changes"
    };
    let mut widths = vec![
        Constraint::Length(3),
        Constraint::Length(8),
        Constraint::Length(8),
    ];
    let mut header = vec!["#", "Size", "Hidden"];
    if pull {
        widths.push(Constraint::Length(8));
        header.push("Pull");
    }
    widths.push(Constraint::Fill(1));
    header.push("Instruction");
    let table = Table::new(rows, widths)
        .header(Row::new(header).style(Style::new().add_modifier(Modifier::UNDERLINED)))
        .row_highlight_style(selected_style(focused))
        .block(block(format!("Layers (showing {view})"), focused));
    let mut state = TableState::new()
        .with_offset(app.layer_offset())
        .with_selected(Some(app.layer));
    f.render_stateful_widget(table, area, &mut state);
}

/// What the focused panel's selection is, in a few lines: the layer (its
/// instruction, what later layers hid of it), the finding (its fix), the package.
fn draw_details(f: &mut Frame, app: &App, area: Rect) {
    let a = app.analysis;
    let mut lines: Vec<Line> = Vec::new();
    let title;
    match app.panel {
        Panel::Findings if !a.waste.findings.is_empty() => {
            let fi = &a.waste.findings[app.finding.min(a.waste.findings.len() - 1)];
            title = format!("Finding: {}", fi.category);
            lines.push(Line::from(format!(
                "{} in {} files, most from {}",
                human(fi.bytes),
                fi.files,
                one_line(&fi.instruction, 80)
            )));
            lines.push(Line::from(format!("fix: {}", one_line(&fi.fix, 400))));
        }
        Panel::Packages if !a.packages.packages.is_empty() => {
            let p = &a.packages.packages[app.package.min(a.packages.packages.len() - 1)];
            title = format!("Package: {} {}", p.ecosystem, p.name);
            lines.push(Line::from(format!(
                "{} {} in {} files, layer #{}{}",
                p.version.as_deref().unwrap_or("(unknown version)"),
                human(p.bytes),
                p.files,
                p.layer,
                match p.dev {
                    Some(true) => ", a dev dependency",
                    _ => "",
                }
            )));
            lines.push(Line::from(format!("at {}", p.paths.join(", "))));
            if let Some(d) = &p.duplicate_of {
                lines.push(Line::from(format!("a copy of {d}")));
            }
            if !p.other_versions.is_empty() {
                lines.push(Line::from(format!(
                    "other versions: {}",
                    p.other_versions.join(", ")
                )));
            }
            if !p.modules.is_empty() {
                lines.push(Line::from(format!(
                    "{} modules: {}",
                    p.modules.len(),
                    p.modules.join(", ")
                )));
            }
        }
        _ if a.layers.is_empty() => {
            title = "Layers".to_string();
            lines.push(Line::from("the image has no layers"));
        }
        _ => {
            let l = &a.layers[app.layer.min(a.layers.len() - 1)];
            title = format!("Layer #{}", l.index);
            lines.push(Line::from(one_line(&l.instruction, 300)));
            lines.push(Line::from(format!(
                "adds {} in {} files{}",
                human(l.bytes),
                l.files,
                if l.hides_bytes > 0 {
                    format!("; hides {} of earlier layers", human(l.hides_bytes))
                } else {
                    String::new()
                }
            )));
            if l.hidden_bytes > 0 {
                let by = hidden_by(app, l.index);
                let list: Vec<String> = by
                    .iter()
                    .map(|(h, b)| format!("{} by #{h}", human(*b)))
                    .collect();
                lines.push(Line::from(Span::styled(
                    format!(
                        "{} of it hidden later (still shipped): {}",
                        human(l.hidden_bytes),
                        list.join(", ")
                    ),
                    Style::new().fg(Color::Yellow),
                )));
            }
        }
    }
    let p = Paragraph::new(lines)
        .wrap(Wrap { trim: true })
        .block(Block::bordered().title(title));
    f.render_widget(p, area);
}

/// The bytes of layer `l` each later layer hid (rewrites included), by layer.
fn hidden_by(app: &App, l: usize) -> Vec<(u16, u64)> {
    let m = &app.analysis.model;
    let mut by: std::collections::BTreeMap<u16, u64> = Default::default();
    for ((added, hidden), c) in m.churn.iter().chain(m.rewrites.iter()) {
        if *added as usize == l {
            *by.entry(*hidden).or_default() += c.bytes;
        }
    }
    by.into_iter().collect()
}

fn draw_findings(f: &mut Frame, app: &App, area: Rect) {
    let focused = app.panel == Panel::Findings;
    let findings = &app.analysis.waste.findings;
    let rows = findings.iter().map(|fi| {
        Row::new(vec![
            Cell::from(fi.category.clone()),
            Cell::from(human(fi.bytes)),
            Cell::from(match fi.churn {
                Some((added, hidden)) => format!("#{added}→#{hidden}"),
                None => fi
                    .layers
                    .first()
                    .map(|l| format!("#{}", l.index))
                    .unwrap_or_default(),
            }),
        ])
    });
    let table = Table::new(
        rows,
        [
            Constraint::Fill(1),
            Constraint::Length(9),
            Constraint::Length(8),
        ],
    )
    .header(
        Row::new(["Finding", "Size", "From"])
            .style(Style::new().add_modifier(Modifier::UNDERLINED)),
    )
    .row_highlight_style(selected_style(focused))
    .block(block(
        format!(
            "Findings: {} flagged (enter shows its paths)",
            human(app.analysis.waste.flagged_bytes)
        ),
        focused,
    ));
    let mut state = TableState::new().with_selected((!findings.is_empty()).then_some(app.finding));
    f.render_stateful_widget(table, area, &mut state);
}

fn draw_packages(f: &mut Frame, app: &App, area: Rect) {
    let focused = app.panel == Panel::Packages;
    let packages = &app.analysis.packages.packages;
    let rows = packages.iter().map(|p| {
        let name = match &p.version {
            Some(v) => format!("{}@{v}", p.name),
            None => p.name.clone(),
        };
        Row::new(vec![
            Cell::from(p.ecosystem),
            Cell::from(name),
            Cell::from(human(p.bytes)),
            Cell::from(match p.dev {
                Some(true) => "dev",
                Some(false) => "prod",
                None => "",
            }),
        ])
    });
    let table = Table::new(
        rows,
        [
            Constraint::Length(6),
            Constraint::Fill(1),
            Constraint::Length(9),
            Constraint::Length(4),
        ],
    )
    .header(
        Row::new(["Eco", "Package", "Size", "Dev"])
            .style(Style::new().add_modifier(Modifier::UNDERLINED)),
    )
    .row_highlight_style(selected_style(focused))
    .block(block(
        format!("Packages: {} (enter shows its files)", packages.len()),
        focused,
    ));
    let mut state = TableState::new().with_selected((!packages.is_empty()).then_some(app.package));
    f.render_stateful_widget(table, area, &mut state);
}

/// Indentation per level, and at most this much of it (a path 20,000 folders
/// deep still shows its names).
const INDENT: usize = 2;
const MAX_INDENT: usize = 40;

fn draw_tree(f: &mut Frame, app: &mut App, area: Rect) {
    let focused = app.panel == Panel::Tree;
    let height = (area.height as usize).saturating_sub(3);
    app.scroll_to_cursor(height);
    let t = &app.tree;
    let rows: Vec<Row> = t
        .rows
        .iter()
        .skip(app.offset)
        .take(height)
        .map(|&id| {
            let n = &t.nodes[id as usize];
            let indent = ((n.depth as usize - 1) * INDENT).min(MAX_INDENT);
            let fold = if n.children.is_empty() {
                "  "
            } else if t.open[id as usize] {
                "▾ "
            } else {
                "▸ "
            };
            let mut name = vec![
                Span::raw(" ".repeat(indent)),
                Span::raw(fold),
                Span::styled(n.name.clone(), mark_style(n.mark)),
            ];
            if n.kind == "dir" && !n.children.is_empty() {
                name.push(Span::styled("/", mark_style(n.mark)));
            }
            let mut notes = Vec::new();
            if let (Some(h), false) = (n.hidden_by, n.is_dir()) {
                notes.push(format!("hidden by #{h}"));
            }
            if let Some(c) = app.category_of(n.final_node) {
                notes.push(c.to_string());
            }
            if let Some(p) = app.package_of(n.final_node) {
                notes.push(format!("{} {}", p.ecosystem, p.name));
            }
            if !notes.is_empty() {
                name.push(Span::styled(
                    format!("  {}", notes.join(" · ")),
                    Style::new().fg(Color::DarkGray),
                ));
            }
            Row::new(vec![
                Cell::from(Span::styled(n.mark.letter(), mark_style(n.mark))),
                Cell::from(human(t.shown_bytes[id as usize])),
                Cell::from(Line::from(name)),
            ])
        })
        .collect();
    let view = if app.aggregate {
        format!("image as of layer #{}", app.layer)
    } else {
        format!("layer #{}'s changes", app.layer)
    };
    let mut title = format!(
        "Files: {view}, {} shown, by {}",
        human(t.shown_bytes.first().copied().unwrap_or(0)),
        match app.sort {
            Sort::Size => "size",
            Sort::Name => "name",
        }
    );
    if !app.focus_label.is_empty() {
        title.push_str(&format!(" · {} (esc clears)", app.focus_label));
    }
    if !app.filter_text.is_empty() {
        title.push_str(&format!(" · filter {:?}", app.filter_text));
    }
    let hidden: Vec<&str> = [Mark::Added, Mark::Modified, Mark::Deleted, Mark::Unchanged]
        .into_iter()
        .filter(|m| app.mask & m.bit() == 0)
        .map(Mark::name)
        .collect();
    if !hidden.is_empty() {
        title.push_str(&format!(" · not showing {}", hidden.join(", ")));
    }
    let empty = rows.is_empty();
    let table = Table::new(
        rows,
        [
            Constraint::Length(1),
            Constraint::Length(9),
            Constraint::Fill(1),
        ],
    )
    .header(Row::new(["", "Size", "Path"]).style(Style::new().add_modifier(Modifier::UNDERLINED)))
    .row_highlight_style(selected_style(focused))
    .block(block(title, focused));
    let mut state =
        TableState::new().with_selected((!empty).then_some(app.cursor.saturating_sub(app.offset)));
    f.render_stateful_widget(table, area, &mut state);
}

/// The path under the cursor with what imgsize knows of it.
fn selected_line(app: &App) -> Line<'static> {
    let Some(id) = app.selected() else {
        return Line::from(if app.tree.nodes.len() <= 1 {
            "nothing in this view"
        } else {
            "nothing matches (esc clears the filter and focus)"
        });
    };
    let t = &app.tree;
    let n = &t.nodes[id as usize];
    let mut s = format!("{} · {} {}", t.path(id), n.mark.name(), human(n.bytes));
    if n.files > 1 {
        s.push_str(&format!(" in {} files", n.files));
    }
    if let Some(l) = n.layer {
        s.push_str(&format!(" · from #{l}"));
    }
    if let Some(h) = n.hidden_by {
        s.push_str(&format!(" · hidden by #{h}, still shipped"));
    }
    if let Some(pull) = n.final_node.and_then(|id| app.analysis.model.pull_of(id)) {
        if n.kind != "dir" {
            s.push_str(&format!(" · pull {}", human(pull)));
        }
    }
    if let Some(c) = app.category_of(n.final_node) {
        s.push_str(&format!(" · {c}"));
    }
    if let Some(p) = app.package_of(n.final_node) {
        s.push_str(&format!(
            " · {} {}{}",
            p.ecosystem,
            p.name,
            p.version
                .as_deref()
                .map(|v| format!("@{v}"))
                .unwrap_or_default()
        ));
    }
    Line::from(s)
}

fn keys_line(app: &App) -> Line<'static> {
    if app.editing {
        let mut spans = vec![
            Span::styled("Filter: ", Style::new().add_modifier(Modifier::BOLD)),
            Span::raw(app.filter_text.clone()),
            Span::styled("█", Style::new().add_modifier(Modifier::SLOW_BLINK)),
            Span::raw("  (enter keeps, esc clears; a glob with * ? [ ])"),
        ];
        if let Some(e) = &app.filter_error {
            spans.push(Span::styled(format!("  {e}"), Style::new().fg(Color::Red)));
        }
        return Line::from(spans);
    }
    Line::from(Span::styled(
        "tab panel · ↑↓ jk move · space fold · enter open/jump · c changes/aggregate · / filter · ^a ^m ^r ^u (1-4) marks · s sort · ? help · q quit",
        Style::new().fg(Color::DarkGray),
    ))
}

const HELP: &[(&str, &str)] = &[
    ("tab, shift+tab", "next, previous panel"),
    (
        "↑ ↓, j k",
        "move; PgUp PgDn, ctrl+d u: a page, half a page; g G: first, last",
    ),
    (
        "space, enter",
        "fold or unfold the folder (enter in findings, packages: show its paths)",
    ),
    ("← →, h l", "fold, unfold; ← on a file goes to its folder"),
    ("ctrl+space", "fold or unfold every folder"),
    (
        "c",
        "the layer's changes or the image as of the layer (ctrl+l, ctrl+a in layers)",
    ),
    (
        "/, ctrl+f",
        "filter paths: a substring, or a glob with * ? [ ] (with / the whole path)",
    ),
    ("ctrl+a, 1", "show or hide added paths"),
    (
        "ctrl+m, 2",
        "show or hide modified paths (ctrl+m is enter in many terminals)",
    ),
    ("ctrl+r, 3", "show or hide deleted paths"),
    ("ctrl+u, 4", "show or hide unchanged paths"),
    ("s", "sort by size or by name"),
    (
        "esc",
        "clear the focus (a finding's or package's paths), then the filter",
    ),
    ("mouse", "click selects (again: fold), the wheel scrolls"),
    ("q, ctrl+c", "quit"),
];

fn draw_help(f: &mut Frame) {
    let area = f.area();
    let w = area.width.min(100);
    let h = area.height.min(HELP.len() as u16 + 4);
    let r = Rect::new(
        area.x + (area.width - w) / 2,
        area.y + (area.height - h) / 2,
        w,
        h,
    );
    let lines: Vec<Line> = HELP
        .iter()
        .map(|(k, what)| {
            Line::from(vec![
                Span::styled(
                    format!("{k:>16}  "),
                    Style::new().add_modifier(Modifier::BOLD),
                ),
                Span::raw(*what),
            ])
        })
        .collect();
    f.render_widget(Clear, r);
    f.render_widget(
        Paragraph::new(lines).block(Block::bordered().title("Keys (any key closes)")),
        r,
    );
}
