//! The explorer's state and what each key and click does to it. Drawing is
//! `ui.rs`'s; the terminal is `mod.rs`'s. Keys follow dive's where dive has one
//! (tab, space, ctrl+f, ctrl+a/r/m/u, ctrl+l), with vim's for moving.

use ratatui::crossterm::event::{
    KeyCode, KeyEvent, KeyModifiers, MouseButton, MouseEvent, MouseEventKind,
};
use ratatui::layout::Rect;

use super::model::{self, Filter, Focus, Mark, Replay, Sort, ViewTree, ALL_MARKS};
use crate::analysis::changes::PathChange;
use crate::analysis::packages::NO_PACKAGE;
use crate::analysis::waste::category_name;
use crate::analysis::Analysis;

/// The panels that take keys, in tab order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Panel {
    Layers,
    Tree,
    Findings,
    Packages,
}

impl Panel {
    fn next(self, back: bool) -> Panel {
        const ORDER: [Panel; 4] = [Panel::Layers, Panel::Tree, Panel::Findings, Panel::Packages];
        let i = ORDER.iter().position(|p| *p == self).unwrap_or(0);
        ORDER[(i + if back { 3 } else { 1 }) % 4]
    }
}

/// Where each panel was drawn last, for the mouse.
#[derive(Debug, Default, Clone, Copy)]
pub struct Areas {
    pub layers: Rect,
    pub tree: Rect,
    pub findings: Rect,
    pub packages: Rect,
}

/// The explorer: one analyzed image and what the user has chosen to see of it.
pub struct App<'a> {
    pub(crate) analysis: &'a Analysis,
    changes: &'a [Vec<PathChange>],
    replay: Replay,
    pub panel: Panel,
    /// The selected layer.
    pub layer: usize,
    /// The image as of the layer (dive's aggregated view), or the layer's changes.
    pub aggregate: bool,
    pub tree: ViewTree,
    /// The selected row of the tree, and the first row drawn.
    pub cursor: usize,
    pub offset: usize,
    pub finding: usize,
    pub package: usize,
    /// The marks shown (bits of [`Mark::bit`]).
    pub mask: u8,
    pub sort: Sort,
    pub filter_text: String,
    /// Typing into the filter.
    pub editing: bool,
    filter: Option<Filter>,
    pub filter_error: Option<String>,
    pub focus: Option<Focus>,
    /// What the focus is, in words (`finding: npm cache`).
    pub focus_label: String,
    pub help: bool,
    pub quit: bool,
    /// Rows of the tree panel drawn last (PgUp/PgDn move by it).
    pub tree_height: usize,
    pub areas: Areas,
}

/// Folders open when a view is first shown.
const OPEN_DEPTH: u32 = 3;

impl<'a> App<'a> {
    /// The explorer of `analysis`, which must have kept each layer's changes
    /// (`LoadOptions::changes`); the last layer's changes selected.
    pub fn new(analysis: &'a Analysis) -> App<'a> {
        let changes: &[Vec<PathChange>] = analysis.changes.as_deref().unwrap_or(&[]);
        let replay = Replay::new(changes, &analysis.model);
        let layer = changes.len().saturating_sub(1);
        let mut app = App {
            analysis,
            changes,
            replay,
            panel: Panel::Layers,
            layer,
            aggregate: false,
            tree: ViewTree::build(Vec::new(), OPEN_DEPTH),
            cursor: 0,
            offset: 0,
            finding: 0,
            package: 0,
            mask: ALL_MARKS,
            sort: Sort::Size,
            filter_text: String::new(),
            editing: false,
            filter: None,
            filter_error: None,
            focus: None,
            focus_label: String::new(),
            help: false,
            quit: false,
            tree_height: 20,
            areas: Areas::default(),
        };
        app.rebuild();
        app
    }

    pub fn layers(&self) -> usize {
        self.changes.len()
    }

    /// Builds the selected view's tree anew, then what it shows.
    fn rebuild(&mut self) {
        if self.changes.is_empty() {
            return;
        }
        let items = model::items(self.changes, &self.replay, self.layer, self.aggregate);
        self.tree = ViewTree::build(items, OPEN_DEPTH);
        self.refilter();
    }

    /// Applies the mask, filter and focus to the tree, and makes its rows.
    fn refilter(&mut self) {
        let a = self.analysis;
        let focus = self.focus.clone();
        let keeps = |n: &model::Node| -> bool {
            let Some(f) = &focus else { return true };
            match f {
                Focus::HiddenBy(l) => n.hidden_by == Some(*l),
                Focus::Hidden => n.hidden_by.is_some(),
                Focus::Category(c) => n
                    .final_node
                    .is_some_and(|id| a.waste.node_category.get(id as usize) == Some(c)),
                Focus::Package(p) => n
                    .final_node
                    .is_some_and(|id| a.packages.node_package.get(id as usize) == Some(p)),
            }
        };
        self.tree.keep(self.mask, self.filter.as_ref(), &keeps);
        if self.filter.is_some() || self.focus.is_some() {
            self.tree.open_kept();
        }
        self.tree.flatten(self.sort);
        self.cursor = self.cursor.min(self.tree.rows.len().saturating_sub(1));
        self.offset = self.offset.min(self.cursor);
    }

    fn reflatten(&mut self) {
        self.tree.flatten(self.sort);
        self.cursor = self.cursor.min(self.tree.rows.len().saturating_sub(1));
    }

    /// Selects layer `n` (its changes or the image as of it).
    pub fn select_layer(&mut self, n: usize) {
        let n = n.min(self.layers().saturating_sub(1));
        if n != self.layer {
            self.layer = n;
            self.cursor = 0;
            self.offset = 0;
            self.rebuild();
        }
    }

    pub fn set_aggregate(&mut self, aggregate: bool) {
        if aggregate != self.aggregate {
            self.aggregate = aggregate;
            self.cursor = 0;
            self.offset = 0;
            self.rebuild();
        }
    }

    /// Shows only what `focus` keeps (None: everything), described by `label`.
    pub fn set_focus(&mut self, focus: Option<Focus>, label: String) {
        self.focus = focus;
        self.focus_label = label;
        self.cursor = 0;
        self.offset = 0;
        self.refilter();
    }

    /// Sets the filter's text; a glob that does not compile keeps the last filter.
    pub fn set_filter(&mut self, text: &str) {
        if self.take_filter(text) {
            self.cursor = 0;
            self.offset = 0;
            self.refilter();
        }
    }

    /// The filter's text and what it parses to, without applying it; whether it
    /// parsed (a glob that does not compile keeps the last filter and says why).
    fn take_filter(&mut self, text: &str) -> bool {
        self.filter_text = text.to_string();
        match Filter::parse(text) {
            Ok(f) => {
                self.filter = f;
                self.filter_error = None;
                true
            }
            Err(e) => {
                self.filter_error = Some(e);
                false
            }
        }
    }

    /// Shows the image as of the last layer (`aggregate`) or `layer`'s changes,
    /// keeping what `focus` keeps: the view built and filtered once.
    fn show(&mut self, aggregate: bool, layer: usize, focus: Option<Focus>, label: String) {
        self.aggregate = aggregate;
        self.layer = layer.min(self.layers().saturating_sub(1));
        self.focus = focus;
        self.focus_label = label;
        self.cursor = 0;
        self.offset = 0;
        self.rebuild();
    }

    /// Shows or hides the paths with `mark`.
    pub fn toggle_mark(&mut self, mark: Mark) {
        self.mask ^= mark.bit();
        self.refilter();
    }

    /// The node under the cursor.
    pub fn selected(&self) -> Option<u32> {
        self.tree.rows.get(self.cursor).copied()
    }

    /// Folds or unfolds the folder under the cursor.
    pub fn toggle_fold(&mut self) {
        if let Some(id) = self.selected() {
            if !self.tree.nodes[id as usize].children.is_empty() {
                let o = &mut self.tree.open[id as usize];
                *o = !*o;
                self.reflatten();
            }
        }
    }

    /// Selects finding `i` and shows its paths: a churn's hidden bytes in the layer
    /// that added them, a category's files in the final image.
    pub fn jump_to_finding(&mut self, i: usize) {
        let Some(f) = self.analysis.waste.findings.get(i) else {
            return;
        };
        self.finding = i;
        let label = format!("finding: {}", f.category);
        let last = self.layers().saturating_sub(1);
        if let Some((added, hidden)) = f.churn {
            self.show(false, added, Some(Focus::HiddenBy(hidden as u16)), label);
        } else if let Some(code) = category_code(&f.category) {
            self.show(true, last, Some(Focus::Category(code)), label);
        } else {
            // Findings without a mark per file (duplicates): their largest path.
            let first = f.paths.first().map_or("", |p| p.path.as_str());
            self.take_filter(first);
            self.show(true, last, None, String::new());
        }
        self.panel = Panel::Tree;
    }

    /// Selects package `i` and shows its files in the final image.
    pub fn jump_to_package(&mut self, i: usize) {
        let Some(p) = self.analysis.packages.packages.get(i) else {
            return;
        };
        self.package = i;
        let label = format!(
            "package: {} {}{}",
            p.ecosystem,
            p.name,
            p.version
                .as_deref()
                .map(|v| format!("@{v}"))
                .unwrap_or_default()
        );
        let last = self.layers().saturating_sub(1);
        self.show(true, last, Some(Focus::Package(i as u32)), label);
        self.panel = Panel::Tree;
    }

    fn move_by(&mut self, delta: isize) {
        let (pos, len) = match self.panel {
            Panel::Layers => (self.layer, self.layers()),
            Panel::Tree => (self.cursor, self.tree.rows.len()),
            Panel::Findings => (self.finding, self.analysis.waste.findings.len()),
            Panel::Packages => (self.package, self.analysis.packages.packages.len()),
        };
        if len == 0 {
            return;
        }
        let to = pos.saturating_add_signed(delta).min(len - 1);
        match self.panel {
            Panel::Layers => self.select_layer(to),
            Panel::Tree => self.cursor = to,
            Panel::Findings => self.finding = to,
            Panel::Packages => self.package = to,
        }
    }

    /// What a key does. Returns whether anything changed.
    pub fn key(&mut self, k: KeyEvent) -> bool {
        let ctrl = k.modifiers.contains(KeyModifiers::CONTROL);
        if self.editing {
            match k.code {
                KeyCode::Esc => {
                    self.editing = false;
                    self.set_filter("");
                }
                KeyCode::Enter => self.editing = false,
                KeyCode::Backspace => {
                    let mut t = self.filter_text.clone();
                    t.pop();
                    self.set_filter(&t);
                }
                KeyCode::Char('c') if ctrl => self.quit = true,
                KeyCode::Char(c) if !ctrl => {
                    let t = format!("{}{c}", self.filter_text);
                    self.set_filter(&t);
                }
                _ => return false,
            }
            return true;
        }
        if self.help {
            self.help = false;
            if matches!(k.code, KeyCode::Char('q')) || (ctrl && k.code == KeyCode::Char('c')) {
                self.quit = true;
            }
            return true;
        }
        let page = self.tree_height.max(1) as isize;
        match k.code {
            KeyCode::Char('q') if !ctrl => self.quit = true,
            KeyCode::Char('c') if ctrl => self.quit = true,
            KeyCode::Char('?') => self.help = true,
            KeyCode::Tab => self.panel = self.panel.next(false),
            KeyCode::BackTab => self.panel = self.panel.next(true),
            KeyCode::Char('f') if ctrl => self.editing = true,
            KeyCode::Char('/') => self.editing = true,
            KeyCode::Esc => {
                if self.focus.is_some() {
                    self.set_focus(None, String::new());
                } else if !self.filter_text.is_empty() {
                    self.set_filter("");
                } else {
                    return false;
                }
            }
            KeyCode::Char('a') if ctrl => {
                if self.panel == Panel::Layers {
                    self.set_aggregate(true);
                } else {
                    self.toggle_mark(Mark::Added);
                }
            }
            KeyCode::Char('l') if ctrl => self.set_aggregate(false),
            KeyCode::Char('r') if ctrl => self.toggle_mark(Mark::Deleted),
            KeyCode::Char('m') if ctrl => self.toggle_mark(Mark::Modified),
            KeyCode::Char('u') if ctrl => self.toggle_mark(Mark::Unchanged),
            // ctrl+m is Enter in most terminals: the digits are the same toggles.
            KeyCode::Char('1') => self.toggle_mark(Mark::Added),
            KeyCode::Char('2') => self.toggle_mark(Mark::Modified),
            KeyCode::Char('3') => self.toggle_mark(Mark::Deleted),
            KeyCode::Char('4') => self.toggle_mark(Mark::Unchanged),
            KeyCode::Char('c') => {
                let a = !self.aggregate;
                self.set_aggregate(a);
            }
            KeyCode::Char('s') => {
                self.sort = match self.sort {
                    Sort::Size => Sort::Name,
                    Sort::Name => Sort::Size,
                };
                self.reflatten();
            }
            KeyCode::Char(' ') if ctrl => {
                let any_open = self.tree.rows.iter().any(|&r| {
                    self.tree.open[r as usize] && !self.tree.nodes[r as usize].children.is_empty()
                });
                self.tree.set_all_open(!any_open);
                self.reflatten();
            }
            KeyCode::Char(' ') => self.toggle_fold(),
            KeyCode::Enter => match self.panel {
                Panel::Tree => self.toggle_fold(),
                Panel::Findings => self.jump_to_finding(self.finding),
                Panel::Packages => self.jump_to_package(self.package),
                Panel::Layers => self.panel = Panel::Tree,
            },
            KeyCode::Right | KeyCode::Char('l') if self.panel == Panel::Tree => {
                if let Some(id) = self.selected() {
                    if !self.tree.open[id as usize] {
                        self.toggle_fold();
                    }
                }
            }
            KeyCode::Left | KeyCode::Char('h') if self.panel == Panel::Tree => {
                if let Some(id) = self.selected() {
                    let n = &self.tree.nodes[id as usize];
                    if self.tree.open[id as usize] && !n.children.is_empty() {
                        self.toggle_fold();
                    } else if n.parent != 0 {
                        let parent = n.parent;
                        if let Some(i) = self.tree.rows.iter().position(|&r| r == parent) {
                            self.cursor = i;
                        }
                    }
                }
            }
            KeyCode::Down | KeyCode::Char('j') => self.move_by(1),
            KeyCode::Up | KeyCode::Char('k') => self.move_by(-1),
            KeyCode::PageDown => self.move_by(page),
            KeyCode::PageUp => self.move_by(-page),
            KeyCode::Char('d') if ctrl => self.move_by(page / 2),
            KeyCode::Char('u') => self.move_by(-page / 2),
            KeyCode::Home | KeyCode::Char('g') => self.move_by(isize::MIN / 2),
            KeyCode::End | KeyCode::Char('G') => self.move_by(isize::MAX / 2),
            _ => return false,
        }
        true
    }

    /// What a click or the wheel does: a click selects the row under it (a second
    /// click on a selected folder folds it), the wheel scrolls the panel under it.
    pub fn mouse(&mut self, m: MouseEvent) -> bool {
        let at = |r: Rect| {
            m.column >= r.x && m.column < r.x + r.width && m.row >= r.y && m.row < r.y + r.height
        };
        let panel = if at(self.areas.tree) {
            Panel::Tree
        } else if at(self.areas.layers) {
            Panel::Layers
        } else if at(self.areas.findings) {
            Panel::Findings
        } else if at(self.areas.packages) {
            Panel::Packages
        } else {
            return false;
        };
        match m.kind {
            MouseEventKind::ScrollDown => {
                self.panel = panel;
                self.move_by(3);
            }
            MouseEventKind::ScrollUp => {
                self.panel = panel;
                self.move_by(-3);
            }
            MouseEventKind::Down(MouseButton::Left) => {
                self.panel = panel;
                // Inside the border and below the header row.
                let row = m.row as usize;
                match panel {
                    Panel::Tree => {
                        let first = self.areas.tree.y as usize + 2;
                        if row >= first {
                            let i = self.offset + row - first;
                            if i < self.tree.rows.len() {
                                if i == self.cursor {
                                    self.toggle_fold();
                                }
                                self.cursor = i;
                            }
                        }
                    }
                    Panel::Layers => {
                        let first = self.areas.layers.y as usize + 2;
                        if row >= first {
                            self.select_layer(self.layer_offset() + row - first);
                        }
                    }
                    Panel::Findings | Panel::Packages => {}
                }
            }
            _ => return false,
        }
        true
    }

    /// The first layer drawn (the layers panel scrolls to keep the selection in view).
    pub fn layer_offset(&self) -> usize {
        let rows = (self.areas.layers.height as usize).saturating_sub(3).max(1);
        self.layer.saturating_sub(rows - 1)
    }

    /// Keeps the cursor in the `height` rows drawn.
    pub fn scroll_to_cursor(&mut self, height: usize) {
        self.tree_height = height;
        if self.cursor < self.offset {
            self.offset = self.cursor;
        } else if height > 0 && self.cursor >= self.offset + height {
            self.offset = self.cursor + 1 - height;
        }
    }

    /// The package that claims a final node, if any.
    pub fn package_of(&self, node: Option<u32>) -> Option<&crate::analysis::packages::Package> {
        let id = node? as usize;
        let p = *self.analysis.packages.node_package.get(id)?;
        (p != NO_PACKAGE).then(|| self.analysis.packages.packages.get(p as usize))?
    }

    /// The waste category of a final node, if it is flagged.
    pub fn category_of(&self, node: Option<u32>) -> Option<&'static str> {
        category_name(*self.analysis.waste.node_category.get(node? as usize)?)
    }
}

/// The code [`crate::analysis::waste::Waste::node_category`] uses for `name`.
fn category_code(name: &str) -> Option<u8> {
    (1..=u8::MAX)
        .map_while(|c| category_name(c).map(|n| (c, n)))
        .find(|(_, n)| *n == name)
        .map(|(c, _)| c)
}
