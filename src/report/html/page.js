// imgsize's HTML report: draws what the report computed (the treemap's layout
// included) and handles clicks. Every name is set as text, never as markup.
"use strict";
window.__imgsize = { errors: [] };
window.addEventListener("error", (e) => window.__imgsize.errors.push(String(e.message)));

const DATA = JSON.parse(document.getElementById("data").textContent);
window.__imgsize.data = DATA;
const $ = (id) => document.getElementById(id);
const el = (tag, cls, text) => {
  const e = document.createElement(tag);
  if (cls) e.className = cls;
  if (text !== undefined) e.textContent = text;
  return e;
};
const UNITS = ["B", "kB", "MB", "GB", "TB"];
function human(b) {
  let i = 0, v = b;
  while (v >= 1000 && i < UNITS.length - 1) { v /= 1000; i++; }
  return i === 0 ? b + " B" : (v < 10 ? v.toFixed(2) : v < 100 ? v.toFixed(1) : v.toFixed(0)) + " " + UNITS[i];
}
// ColorBrewer's Set3 (without its grey, which means "not flagged" here): twelve
// light hues in an order where neighbours (layers #1 and #2, #4 and #5) differ.
const PALETTE = ["#80b1d3", "#fdb462", "#b3de69", "#fb8072", "#bebada", "#ffed6f", "#8dd3c7", "#fccde5", "#bc80bd", "#ccebc5", "#ffffb3", "#a6cee3"];
const GREY = "#d7dce2";
const OTHER = "#c8bfae";

// Package colours, by name, so that a package has one colour in both maps of a
// diff: the largest of each image in turn (A's first, then those only B has).
const PACKAGE_COLOUR = new Map();
for (const img of DATA.images) {
  for (const p of img.packages || []) {
    if (PACKAGE_COLOUR.size >= PALETTE.length) break;
    if (!PACKAGE_COLOUR.has(p.name)) PACKAGE_COLOUR.set(p.name, PALETTE[PACKAGE_COLOUR.size]);
  }
}

// One treemap in a container: zoom by click, out by the breadcrumb.
function Treemap(map, crumbs, nodes, instructions, packages) {
  const kids = nodes.map(() => []);
  nodes.forEach((n, i) => { if (n.parent !== null) kids[n.parent].push(i); });
  // Paths from the names (parents come first): `/` under the image, its files
  // and folders below it; merged and hidden boxes have none.
  for (const n of nodes) {
    const p = n.parent === null ? null : nodes[n.parent];
    if (p === null || (n.kind !== "dir" && n.kind !== "file")) n.path = null;
    else if (p.path === null) n.path = n.name;
    else n.path = (p.path === "/" ? "" : p.path) + "/" + n.name;
  }
  const self = { current: 0, mode: "layer" };
  const tip = $("tip");
  function colour(n) {
    if (self.mode === "category") {
      return !n.category ? GREY : PALETTE[DATA.categories.indexOf(n.category) % PALETTE.length];
    }
    if (self.mode === "package") {
      if (n.package === undefined) return GREY;
      return PACKAGE_COLOUR.get(packages[n.package].name) || OTHER;
    }
    return PALETTE[n.layer % PALETTE.length];
  }
  function describe(n) {
    const where = n.path !== null ? n.path : n.name;
    return where + "\n" + human(n.bytes) + " in " + n.files + " files\nlayer #" + n.layer + ": " +
      (instructions[n.layer] || "unknown") + (n.category ? "\nwaste: " + n.category : "") +
      (n.package !== undefined ? "\npackage: " + packages[n.package].label : "");
  }
  // One box in its parent, placed in shares of it (below the parent's label
  // strip of `strip` pixels) so that it fills the map at any size; a label where
  // one fits (`w` x `h`: its size in pixels now).
  function box(i, r, strip, w, h, inner) {
    const n = nodes[i];
    const b = el("div", "box " + (n.kind === "dir" ? "dir" : n.kind) + (inner ? " inner" : ""));
    b.style.left = r[0] * 100 + "%";
    b.style.width = r[2] * 100 + "%";
    if (strip > 0) {
      b.style.top = "calc(" + strip + "px + " + r[1] + " * (100% - " + strip + "px))";
      b.style.height = "calc(" + r[3] + " * (100% - " + strip + "px))";
    } else {
      b.style.top = r[1] * 100 + "%";
      b.style.height = r[3] * 100 + "%";
    }
    b.style.background = colour(n);
    b.dataset.index = i;
    b.dataset.bytes = n.bytes;
    if (w >= LABEL_W && h >= LABEL_H) b.appendChild(el("span", "label", n.name + " " + human(n.bytes)));
    return b;
  }
  // Boxes narrower or lower than this are not nested into; the layout already
  // merged what would be smaller than a few pixels at the top (src/analysis/treemap.rs).
  const NEST_PX = 10, LABEL_W = 30, LABEL_H = 13, STRIP = 15;
  // Draws `i`'s children into `parent` (`w` x `h` pixels inside its border; the
  // first `strip` pixels hold the parent's label), and theirs inside them, down
  // to boxes of a few pixels, as disk-usage maps do. Returns the boxes drawn.
  function drawInto(parent, i, w, h, strip, depth) {
    const inner = h - strip;
    let drawn = 0;
    for (const j of kids[i]) {
      const r = nodes[j].rect;
      const cw = r[2] * w, ch = r[3] * inner;
      // Below a pixel nothing shows; the whole view's boxes are always drawn.
      if (depth > 0 && (cw < 1 || ch < 1)) continue;
      const b = box(j, r, strip, cw, ch, depth > 0);
      parent.appendChild(b);
      drawn++;
      if (kids[j].length > 0 && cw >= NEST_PX && ch >= NEST_PX) {
        // A folder's own label strip, where it is large enough to read.
        const s = cw >= 40 && ch >= 36 ? STRIP : 0;
        drawn += drawInto(b, j, cw - 2, ch - 2, s, depth + 1);
      }
    }
    return drawn;
  }
  // One listener each on the map for every box (thousands of them).
  const boxOf = (e) => e.target.closest && e.target.closest(".box");
  map.addEventListener("mousemove", (e) => {
    const b = boxOf(e);
    if (!b) { tip.style.display = "none"; return; }
    tip.textContent = describe(nodes[Number(b.dataset.index)]);
    tip.style.display = "block";
    tip.style.left = Math.min(e.clientX + 12, window.innerWidth - 300) + "px";
    tip.style.top = e.clientY + 12 + "px";
  });
  map.addEventListener("mouseleave", () => { tip.style.display = "none"; });
  map.addEventListener("click", (e) => {
    // A click zooms into the outermost folder under it below the current view.
    let b = boxOf(e);
    let target = null;
    for (; b && b !== map; b = b.parentElement.closest(".box")) {
      const i = Number(b.dataset.index);
      if (nodes[i].kind === "dir" && kids[i].length > 0) target = i;
    }
    if (target !== null) self.zoom(target);
  });
  self.draw = function () {
    map.replaceChildren();
    const t0 = performance.now();
    self.boxes = drawInto(map, self.current, map.clientWidth, map.clientHeight, 0, 0);
    self.drawMs = performance.now() - t0;
    crumbs.replaceChildren();
    const chain = [];
    for (let i = self.current; i !== null; i = nodes[i].parent) chain.unshift(i);
    chain.forEach((i, k) => {
      if (k > 0) crumbs.appendChild(document.createTextNode(" / "));
      const a = el("a", null, k === 0 ? "image" : nodes[i].name);
      a.dataset.index = i;
      a.addEventListener("click", () => self.zoom(i));
      crumbs.appendChild(a);
    });
    crumbs.appendChild(el("span", "muted", "  " + human(nodes[self.current].bytes)));
  };
  self.zoom = function (i) { self.current = i; self.draw(); };
  // Which boxes are nested and labelled depends on their size in pixels: a new
  // window size draws them again.
  let resized = null;
  window.addEventListener("resize", () => {
    clearTimeout(resized);
    resized = setTimeout(() => self.draw(), 100);
  });
  self.recolour = function (mode) { self.mode = mode; self.draw(); };
  self.draw();
  return self;
}

// One map's legend: its own image's layers or packages (a diff's two images
// differ), or the waste categories.
function legend(target, mode, img) {
  target.replaceChildren();
  const items = mode === "layer"
    ? img.instructions.map((s, i) => [PALETTE[i % PALETTE.length], "#" + i + " " + s])
    : mode === "package"
      ? (img.packages || []).filter((p) => PACKAGE_COLOUR.has(p.name)).map((p) => [PACKAGE_COLOUR.get(p.name), p.label])
        .concat([[OTHER, "smaller packages"], [GREY, "no package (the app, caches, data)"]])
      : DATA.categories.map((c, i) => [PALETTE[i % PALETTE.length], c]).concat([[GREY, "not flagged"]]);
  for (const [c, label] of items) {
    const s = el("span", null, label.length > 70 ? label.slice(0, 69) + "…" : label);
    const sw = el("i");
    sw.style.background = c;
    s.prepend(sw);
    target.appendChild(s);
  }
}

function figures(target, img, dive) {
  const items = [
    ["Size", human(img.layer_bytes)], ["Visible", human(img.final_bytes)],
    ["Hidden", human(img.hidden_bytes)],
    ["Pull", img.compressed_bytes === null ? "unknown" : human(img.compressed_bytes)],
    ["Flagged", human(img.flagged_bytes)], ["Layers", String(img.layer_count)],
  ];
  if (dive) items.push(["dive efficiency", (dive.efficiency * 100).toFixed(1) + "%"], ["dive wasted", human(dive.wasted_bytes)]);
  for (const [k, v] of items) {
    const d = el("div", "muted", k);
    d.appendChild(el("b", null, v));
    target.appendChild(d);
  }
}

// The layer explorer: what the selected layer added, modified and deleted.
function explorer(layer) {
  const box = $("explorer");
  box.replaceChildren();
  const changes = DATA.changes[layer] || [];
  const filter = $("filter").value.trim().toLowerCase();
  const path = (c) => (DATA.folders[c[0]] === "" ? "" : "/" + DATA.folders[c[0]]) + "/" + c[1];
  const word = ["added", "modified", "deleted"];
  box.appendChild(el("p", "muted", "Layer #" + layer + ": " + DATA.instructions[layer] + " — " + changes.length + " changes"));
  if (filter) {
    const hits = changes.filter((c) => path(c).toLowerCase().includes(filter));
    const ul = el("ul");
    for (const c of hits.slice(0, 500)) ul.appendChild(el("li", word[c[2]], path(c) + "  " + human(c[3])));
    if (hits.length > 500) ul.appendChild(el("li", "muted", "… and " + (hits.length - 500) + " more"));
    box.appendChild(ul);
    return;
  }
  // Group by folder, largest folders first; each folder opens to its entries.
  const groups = new Map();
  for (const c of changes) {
    const g = groups.get(c[0]) || { bytes: 0, items: [] };
    g.bytes += c[3];
    g.items.push(c);
    groups.set(c[0], g);
  }
  const ordered = [...groups.entries()].sort((a, b) => b[1].bytes - a[1].bytes);
  for (const [folder, g] of ordered.slice(0, 300)) {
    const d = el("details");
    d.appendChild(el("summary", null, "/" + DATA.folders[folder] + "  " + human(g.bytes) + " (" + g.items.length + ")"));
    d.addEventListener("toggle", () => {
      if (!d.open || d.querySelector("ul")) return;
      const ul = el("ul");
      for (const c of g.items) ul.appendChild(el("li", word[c[2]], word[c[2]] + "  " + c[1] + "  " + human(c[3])));
      d.appendChild(ul);
    }, { once: false });
    box.appendChild(d);
  }
}

function layers(target, list) {
  const max = Math.max(1, ...list.map((l) => l.bytes));
  list.forEach((l) => {
    const row = el("div", "layer");
    row.dataset.index = l.index;
    row.appendChild(el("span", "num", "#" + l.index));
    const bar = el("span", "bar");
    const vis = el("span");
    vis.style.width = ((l.bytes - l.hidden_bytes) / max) * 100 + "%";
    vis.style.background = PALETTE[l.index % PALETTE.length];
    const hid = el("span", "hidden");
    hid.style.left = vis.style.width;
    hid.style.width = (l.hidden_bytes / max) * 100 + "%";
    hid.title = human(l.hidden_bytes) + " hidden by later layers";
    bar.append(vis, hid);
    row.appendChild(bar);
    row.appendChild(el("span", "size", human(l.bytes)));
    row.appendChild(el("span", "instr", l.instruction));
    row.addEventListener("click", () => {
      target.querySelectorAll(".layer").forEach((r) => r.classList.remove("selected"));
      row.classList.add("selected");
      window.__imgsize.layer = l.index;
      explorer(l.index);
    });
    target.appendChild(row);
  });
}

// Text with `code` spans as code elements (the hints write commands that way).
function withCode(tag, text) {
  const e = el(tag);
  text.split("`").forEach((part, k) => e.appendChild(k % 2 ? el("code", null, part) : document.createTextNode(part)));
  return e;
}

function findings(target, list, hints) {
  if (list.length === 0) target.appendChild(el("p", "muted", "No findings."));
  else {
    const t = el("table");
    const head = el("tr");
    for (const h of ["Category", "Size", "Files", "Added by", "Fix"]) head.appendChild(el("th", h === "Size" || h === "Files" ? "n" : null, h));
    t.appendChild(head);
    for (const f of list) {
      const tr = el("tr");
      tr.append(el("td", null, f.category), el("td", "n", human(f.bytes)), el("td", "n", String(f.files)),
        el("td", null, f.summary), el("td", null, f.fix));
      t.appendChild(tr);
    }
    target.appendChild(t);
  }
  if (hints.length > 0) {
    target.appendChild(el("h3", null, "Hints"));
    const ul = el("ul", "hints");
    for (const h of hints) ul.appendChild(withCode("li", h.message));
    target.appendChild(ul);
  }
}

function main() {
  $("title").textContent = DATA.title;
  $("subtitle").textContent = DATA.subtitle;
  const maps = $("maps");
  if (DATA.images.length > 1) maps.classList.add("two");
  const views = DATA.images.map((img) => {
    const wrap = el("div");
    wrap.style.flex = "1";
    if (DATA.images.length > 1) wrap.appendChild(el("h2", null, img.label));
    const crumbs = el("div", "crumbs");
    const map = el("div", "map");
    const fig = el("div", "figures");
    figures(fig, img.image, img.dive);
    const key = el("div", "legend");
    wrap.append(fig, crumbs, map, key);
    maps.appendChild(wrap);
    const view = Treemap(map, crumbs, img.treemap, img.instructions, img.packages);
    view.legend = key;
    return view;
  });
  window.__imgsize.maps = views;
  const toggle = $("colour");
  const redraw = () => {
    views.forEach((v, k) => {
      v.recolour(toggle.value);
      legend(v.legend, toggle.value, DATA.images[k]);
    });
  };
  toggle.addEventListener("change", redraw);
  redraw();
  if (DATA.layers) {
    layers($("layers"), DATA.layers);
    $("filter").addEventListener("input", () => { if (window.__imgsize.layer !== undefined) explorer(window.__imgsize.layer); });
  } else {
    $("layer-section").remove();
  }
  for (const img of DATA.images) {
    const box = $("findings");
    if (DATA.images.length > 1) box.appendChild(el("h3", null, img.label));
    findings(box, img.findings, img.hints);
  }
  if (DATA.tables) {
    for (const t of DATA.tables) {
      const sec = el("section");
      sec.appendChild(el("h2", null, t.title));
      const table = el("table");
      const head = el("tr");
      t.columns.forEach((c, k) => head.appendChild(el("th", k > 0 ? "n" : null, c)));
      table.appendChild(head);
      for (const r of t.rows) {
        const tr = el("tr");
        r.forEach((c, k) => tr.appendChild(el("td", k > 0 ? "n" : null, c)));
        table.appendChild(tr);
      }
      sec.appendChild(table);
      $("tables").appendChild(sec);
    }
  }
  window.__imgsize.ready = true;
}
main();
