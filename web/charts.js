// Plain SVG charts: horizontal bars, a population pyramid and vertical bars. Every bar carries its value in
// data-value (absent for a withheld cell, which is drawn as a hatched stub with the withheld marker, never a number).

const SVG = "http://www.w3.org/2000/svg";

function el(name, attrs = {}, text) {
  const e = document.createElementNS(SVG, name);
  for (const [k, v] of Object.entries(attrs)) if (v !== undefined && v !== null) e.setAttribute(k, String(v));
  if (text !== undefined) e.textContent = text;
  return e;
}

function svgRoot(width, height, label) {
  const svg = el("svg", { width, height, viewBox: `0 0 ${width} ${height}`, role: "img", "aria-label": label, class: "chart" });
  const defs = el("defs");
  const pattern = el("pattern", { id: `hatch-${Math.random().toString(36).slice(2, 8)}`, width: 6, height: 6, patternUnits: "userSpaceOnUse", patternTransform: "rotate(45)" });
  pattern.appendChild(el("rect", { width: 6, height: 6, class: "hatch-bg" }));
  pattern.appendChild(el("line", { x1: 0, y1: 0, x2: 0, y2: 6, class: "hatch-line" }));
  defs.appendChild(pattern);
  svg.appendChild(defs);
  svg.hatch = `url(#${pattern.id})`;
  return svg;
}

function withheldBar(svg, attrs, cell, ui, key) {
  const g = el("g", { class: "bar withheld", "data-key": key, "data-status": "withheld", "data-rule": cell.rule, tabindex: 0, role: "img", "aria-label": `${ui.withheld}: ${ui.ruleText(cell.rule)}` });
  g.appendChild(el("title", {}, ui.ruleText(cell.rule)));
  g.appendChild(el("rect", { ...attrs, fill: svg.hatch, class: "withheld-rect" }));
  return g;
}

/**
 * Horizontal bars, one per item ({key, label, cell}), in the given order.
 * ui: {format(cell) -> text, ruleText(rule), withheld, width}
 */
export function barChart(items, ui) {
  const width = Math.max(280, ui.width);
  const labelWidth = Math.min(220, Math.round(width * 0.38));
  const valueWidth = 76;
  const row = 24;
  const height = items.length * row + 8;
  const svg = svgRoot(width, height, ui.label);
  const max = Math.max(1e-9, ...items.filter((i) => i.cell.value != null).map((i) => i.cell.value));
  const barSpace = width - labelWidth - valueWidth - 8;
  items.forEach((item, i) => {
    const y = 4 + i * row;
    const label = el("text", { x: labelWidth - 6, y: y + row / 2 + 4, "text-anchor": "end", class: "label" }, clip(item.label, Math.floor(labelWidth / 7)));
    label.appendChild(el("title", {}, item.label));
    svg.appendChild(label);
    if (item.cell.status === "withheld") {
      svg.appendChild(withheldBar(svg, { x: labelWidth, y: y + 3, width: Math.max(24, barSpace * 0.08), height: row - 6 }, item.cell, ui, item.key));
      svg.appendChild(el("text", { x: labelWidth + Math.max(24, barSpace * 0.08) + 6, y: y + row / 2 + 4, class: "value withheld-text" }, ui.withheld));
      return;
    }
    const w = Math.max(1, (item.cell.value / max) * barSpace);
    const g = el("g", { class: `bar ${item.cell.status}`, "data-key": item.key, "data-value": item.cell.value, "data-status": item.cell.status });
    g.appendChild(el("rect", { x: labelWidth, y: y + 3, width: w, height: row - 6, class: "bar-rect" }));
    g.appendChild(el("title", {}, `${item.label}: ${ui.format(item.cell)}`));
    svg.appendChild(g);
    svg.appendChild(el("text", { x: labelWidth + w + 6, y: y + row / 2 + 4, class: "value" }, ui.format(item.cell)));
  });
  return svg;
}

/** Vertical bars (desil 1-10), items {key, label, cell}. */
export function columnChart(items, ui) {
  const width = Math.max(280, ui.width);
  const height = 220;
  const bottom = 36;
  const top = 22;
  const svg = svgRoot(width, height, ui.label);
  const max = Math.max(1e-9, ...items.filter((i) => i.cell.value != null).map((i) => i.cell.value));
  const slot = (width - 8) / Math.max(1, items.length);
  items.forEach((item, i) => {
    const x = 4 + i * slot;
    svg.appendChild(el("text", { x: x + slot / 2, y: height - bottom + 16, "text-anchor": "middle", class: "label" }, item.short ?? item.label));
    if (item.cell.status === "withheld") {
      const h = 20;
      svg.appendChild(withheldBar(svg, { x: x + 4, y: height - bottom - h, width: slot - 8, height: h }, item.cell, ui, item.key));
      svg.appendChild(el("text", { x: x + slot / 2, y: height - bottom - h - 6, "text-anchor": "middle", class: "value withheld-text small" }, ui.withheld));
      return;
    }
    const h = Math.max(1, (item.cell.value / max) * (height - bottom - top));
    const g = el("g", { class: `bar ${item.cell.status}`, "data-key": item.key, "data-value": item.cell.value, "data-status": item.cell.status });
    g.appendChild(el("rect", { x: x + 4, y: height - bottom - h, width: slot - 8, height: h, class: "bar-rect" }));
    g.appendChild(el("title", {}, `${item.label}: ${ui.format(item.cell)}`));
    svg.appendChild(g);
    if (slot > 44) svg.appendChild(el("text", { x: x + slot / 2, y: height - bottom - h - 6, "text-anchor": "middle", class: "value small" }, ui.format(item.cell)));
  });
  return svg;
}

/** Population pyramid: rows {key, label, left: cell, right: cell} from the youngest up; left = male. */
export function pyramid(rows, ui) {
  const width = Math.max(280, ui.width);
  const row = 18;
  const head = 22;
  const height = head + rows.length * row + 8;
  const svg = svgRoot(width, height, ui.label);
  const mid = width / 2;
  const gap = 28; // age labels sit in the middle
  const half = mid - gap - 4;
  const values = rows.flatMap((r) => [r.left, r.right]).filter((c) => c.value != null).map((c) => c.value);
  const max = Math.max(1e-9, ...values);
  svg.appendChild(el("text", { x: mid - gap - 4, y: 14, "text-anchor": "end", class: "label strong" }, ui.leftTitle));
  svg.appendChild(el("text", { x: mid + gap + 4, y: 14, class: "label strong" }, ui.rightTitle));
  [...rows].reverse().forEach((r, i) => {
    const y = head + i * row;
    svg.appendChild(el("text", { x: mid, y: y + row / 2 + 4, "text-anchor": "middle", class: "label small" }, r.label));
    for (const [side, cell] of [["left", r.left], ["right", r.right]]) {
      const sex = side === "left" ? ui.leftKey : ui.rightKey;
      if (cell.status === "withheld") {
        const w = 22;
        const x = side === "left" ? mid - gap - w : mid + gap;
        const g = withheldBar(svg, { x, y: y + 2, width: w, height: row - 4 }, cell, ui);
        g.setAttribute("data-age", r.key);
        g.setAttribute("data-sex", sex);
        svg.appendChild(g);
        continue;
      }
      const w = Math.max(1, (cell.value / max) * half);
      const x = side === "left" ? mid - gap - w : mid + gap;
      const g = el("g", { class: `bar ${side} ${cell.status}`, "data-age": r.key, "data-sex": sex, "data-value": cell.value, "data-status": cell.status });
      g.appendChild(el("rect", { x, y: y + 2, width: w, height: row - 4, class: `bar-rect ${side}` }));
      g.appendChild(el("title", {}, `${r.label}, ${side === "left" ? ui.leftTitle : ui.rightTitle}: ${ui.format(cell)}`));
      svg.appendChild(g);
    }
  });
  return svg;
}

/** Percentiles on one axis: items {key, label, cell}; withheld ones listed under the axis. */
export function percentileStrip(items, ui) {
  const width = Math.max(280, ui.width);
  const height = 90;
  const svg = svgRoot(width, height, ui.label);
  const shown = items.filter((i) => i.cell.value != null);
  const max = Math.max(1e-9, ...shown.map((i) => i.cell.value));
  const x0 = 16;
  const x1 = width - 16;
  svg.appendChild(el("line", { x1: x0, y1: 50, x2: x1, y2: 50, class: "axis" }));
  svg.appendChild(el("text", { x: x0, y: 72, class: "label small" }, "0"));
  svg.appendChild(el("text", { x: x1, y: 72, "text-anchor": "end", class: "label small" }, ui.format({ value: max, status: "shown" })));
  shown.forEach((item, i) => {
    const x = x0 + (item.cell.value / max) * (x1 - x0);
    const g = el("g", { class: `bar point ${item.cell.status}`, "data-key": item.key, "data-value": item.cell.value, "data-status": item.cell.status });
    g.appendChild(el("circle", { cx: x, cy: 50, r: 6, class: "bar-rect" }));
    g.appendChild(el("title", {}, `${item.label}: ${ui.format(item.cell)}`));
    svg.appendChild(g);
    svg.appendChild(el("text", { x, y: i % 2 ? 84 : 36, "text-anchor": "middle", class: "label small" }, item.label));
  });
  return svg;
}

function clip(text, n) {
  return text.length <= n ? text : `${text.slice(0, Math.max(1, n - 1))}…`;
}
