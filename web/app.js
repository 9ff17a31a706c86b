// The Regsosek public dashboard. It discovers what to show from the catalogue (ListIndicators, ListDimensions)
// and the caller's tier, asks the public API for each view, and draws what comes back: withheld cells as
// withheld (never a number), perturbed values marked, source and licence under every view.
import { Api, ApiError, LEVELS, TIERS, levelIndex, levelOf, pathOf } from "./api.js";
import { TEXT, format } from "./i18n.js";
import { barChart, columnChart, percentileStrip, pyramid } from "./charts.js";

const TOKEN_KEY = "regsosek.token";
const LANG_KEY = "regsosek.lang";
const PERCENTILES = [10, 25, 50, 75, 90];
// The percentile view starts with this numeric when the caller may ask for it (ListNumerics lists them all).
const DEFAULT_PERCENTILE_VARIABLE = "floor_area_per_capita";

const state = {
  lang: localStorage.getItem(LANG_KEY) === "en" ? "en" : "id",
  token: sessionStorage.getItem(TOKEN_KEY) || "",
  grant: null, // {tier, region, organisation?, unit?, validUntil?, problem?}
  indicators: [],
  dimensions: [],
  numerics: [],
  region: "",
  names: new Map([["", null]]),
  children: new Map(),
  breakdownIndicator: null,
  percentileVariable: DEFAULT_PERCENTILE_VARIABLE,
  views: {},
  generation: 0,
  dataVersion: "",
};

const api = new Api(() => state.token);
const t = () => TEXT[state.lang];
const $ = (sel) => document.querySelector(sel);

// ---------------------------------------------------------------- helpers

function h(tag, attrs = {}, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || v === false) continue;
    if (k === "class") e.className = v;
    else if (k === "text") e.textContent = v;
    else if (k.startsWith("on")) e.addEventListener(k.slice(2), v);
    else e.setAttribute(k, v === true ? "" : String(v));
  }
  for (const c of children.flat()) if (c !== undefined && c !== null && c !== false) e.append(c);
  return e;
}

function tier() { return state.grant?.tier ?? 1; }
function maxLevel() { return tier() >= 2 ? 4 : 1; }
function rootRegion() { return state.grant?.region ?? ""; }
function regionName(code) {
  if (!code) return t().national;
  return state.names.get(code) || code;
}
function label(entry) { return state.lang === "en" ? entry.nameEn || entry.nameId : entry.nameId || entry.nameEn; }
function valueLabel(v) { return state.lang === "en" ? v.labelEn || v.labelId : v.labelId || v.labelEn; }

/** A wire cell as {value, status: shown|perturbed|withheld, rule}. */
function cellOf(c) {
  const status = c?.status === "CELL_STATUS_SUPPRESSED" ? "withheld" : c?.status === "CELL_STATUS_PERTURBED" ? "perturbed" : "shown";
  return { value: status === "withheld" || c?.value === undefined ? null : Number(c.value), status, rule: c?.rule || "" };
}

function numberFormat(digits) {
  return new Intl.NumberFormat(state.lang === "en" ? "en-GB" : "id-ID", { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

/** Formats a released cell of a statistic ("count", "percentage", ...); withheld cells have no number. */
function formatCell(cell, statistic) {
  if (cell.status === "withheld") return t().withheld;
  const digits = statistic === "count" || statistic === "sum" ? 0 : 1;
  const text = numberFormat(digits).format(cell.value) + (statistic === "percentage" ? " %" : "");
  return cell.status === "perturbed" ? `${t().perturbed} ${text}` : text;
}

function rulesOf(responses) {
  const map = new Map();
  for (const r of responses) for (const rule of r?.metadata?.rules || []) map.set(rule.id, rule);
  return map;
}

/** The rule that withheld or changed a cell, in plain words. */
function ruleText(ruleId, rules) {
  const template = t().rules[ruleId];
  const params = rules?.get(ruleId)?.parameters || {};
  if (template) return format(template, params);
  const described = rules?.get(ruleId)?.description;
  return described ? `${t().withheld}: ${described}` : format(t().rules.fallback, { rule: ruleId });
}

function unitText(statistic, unit) {
  if (statistic === "percentage") return t().percent;
  if (unit === "persons") return t().persons;
  if (unit === "families") return t().families;
  if (unit === "m2") return "m²";
  return t().units[unit] || unit || "";
}

function statusText(cell) {
  return cell.status === "withheld" ? t().statusWithheld : cell.status === "perturbed" ? t().statusPerturbed : t().statusShown;
}

function chartWidth(section) {
  const w = section.querySelector(".chart-box")?.clientWidth || section.clientWidth || 600;
  return Math.max(280, Math.min(900, w - 4));
}

// ---------------------------------------------------------------- catalogue and access

/** Indicators and numerics alike: minTier, open, lowestLevel. */
function indicatorAllowed(ind, level) {
  if ((TIERS[ind.minTier] ?? 2) > tier()) return false;
  if (tier() === 1 && (!ind.open || level > 1)) return false;
  return level <= levelIndex(ind.lowestLevel);
}

/** A dimension's own minimum tier when the catalogue states one (min_tier), else 1. */
function dimensionTier(id) {
  const d = state.dimensions.find((x) => x.id === id);
  if (!d) return null;
  return TIERS[d.minTier] ?? 1;
}

/** The numerics the caller may ask percentiles of at the selected region (ListNumerics, filtered by tier and level). */
function percentileChoices() {
  return state.numerics.filter((n) => indicatorAllowed(n, levelOf(state.region)));
}

function numericName(id) {
  const n = state.numerics.find((x) => x.id === id);
  return n ? (state.lang === "en" ? n.nameEn : n.nameId) || id : id;
}

function countIndicator(unit) {
  return state.indicators.find((i) => i.unit === unit && i.statistic === "count" && indicatorAllowed(i, levelOf(state.region)));
}

async function children(parent) {
  if (state.children.has(parent)) return state.children.get(parent);
  const reply = await api.regions(parent);
  const list = (reply.regions || []).map((r) => ({ code: r.code, name: r.name }));
  for (const r of list) state.names.set(r.code, r.name);
  state.children.set(parent, list);
  return list;
}

async function ensureNames(code) {
  const path = pathOf(code);
  for (const p of path.slice(0, -1)) {
    try { await children(p); } catch { /* names stay codes */ }
  }
}

/** Who the caller is: GET /v1/me (CatalogService.WhoAmI); a refused token leaves the page public, saying why. */
async function identify() {
  if (!state.token) { state.grant = null; return; }
  try {
    const me = await api.me();
    const g = me.grant || {};
    state.grant = {
      tier: TIERS[me.tier] ?? 1, region: me.region || "", organisation: g.organisation, unit: g.unit, validUntil: g.validUntil,
    };
    if (me.region && me.regionName) state.names.set(me.region, me.regionName);
  } catch (e) {
    rejectToken(e);
    return;
  }
  await ensureNames(state.grant.region);
}

function rejectToken(error) {
  state.token = "";
  sessionStorage.removeItem(TOKEN_KEY);
  state.grant = { tier: 1, region: "", problem: error?.message || String(error), rejected: true };
}

// ---------------------------------------------------------------- views

/** Each view: load() fetches into state.views[id] = {status, ...}; render() draws it in the current language. */
const VIEWS = ["tiles", "pyramid", "breakdown", "desil", "percentiles"];

function problemOf(e) {
  if (e instanceof ApiError && (e.kind === "denied" || e.kind === "unauthenticated")) return { status: "denied", message: e.message, reason: e.reason };
  return { status: "error", message: e?.message || String(e) };
}

async function loadTiles(region) {
  const level = levelOf(region);
  const allowed = state.indicators.filter((i) => indicatorAllowed(i, level));
  // One request per unit for its counts and percentages (the service answers these from its prepared summaries),
  // one per percentile indicator (from the prepared distributions, when alone in its request), and one for the
  // unit's other statistics (a mean: from a distribution when its values are whole numbers, else the records).
  // regsosek start asks these same requests into its cache (StartCommand.WarmUpAsync): keep the two in step.
  const groupOf = (i) => `${i.unit}/${i.statistic === "count" || i.statistic === "percentage" ? "counts"
    : i.statistic === "percentile" ? `percentile/${i.id}` : "statistics"}`;
  const groups = [...new Set(allowed.map(groupOf))];
  const tiles = [];
  const responses = [];
  await Promise.all(groups.map(async (group) => {
    const ids = allowed.filter((i) => groupOf(i) === group).map((i) => i.id);
    try {
      const reply = await api.aggregate({ indicators: ids, scope: { region } });
      responses.push(reply);
      const row = (reply.rows || [])[0];
      reply.measures.forEach((m, k) => tiles.push({ id: m.id, statistic: m.statistic, unit: m.unit, cell: cellOf(row?.cells?.[k]) }));
    } catch (e) {
      if (!(e instanceof ApiError) || e.kind !== "denied") throw e;
      // One refused indicator refuses the request: ask one by one, and show the refused ones as needing a grant.
      for (const id of ids) {
        try {
          const reply = await api.aggregate({ indicators: [id], scope: { region } });
          responses.push(reply);
          const m = reply.measures[0];
          tiles.push({ id, statistic: m.statistic, unit: m.unit, cell: cellOf(reply.rows?.[0]?.cells?.[0]) });
        } catch (e2) {
          if (!(e2 instanceof ApiError) || e2.kind !== "denied") throw e2;
          tiles.push({ id, denied: e2.message });
        }
      }
    }
  }));
  const order = new Map(state.indicators.map((i, k) => [i.id, k]));
  tiles.sort((a, b) => order.get(a.id) - order.get(b.id));
  return { status: "ok", tiles, responses };
}

async function loadPyramid(region) {
  const ind = countIndicator("persons");
  const needed = Math.max(dimensionTier("sex") ?? 99, dimensionTier("age_group_5y") ?? 99);
  if (!ind || needed > 4) return { status: "na" };
  if (needed > tier()) return { status: "denied", message: format(t().needsGrantTier, { tier: needed }), needTier: needed };
  const reply = await api.aggregate({ indicators: [ind.id], scope: { region }, groupBy: ["sex", "age_group_5y"] });
  return { status: "ok", reply, indicator: ind };
}

function breakdownChoices(childLevel) {
  return state.indicators.filter((i) => indicatorAllowed(i, childLevel));
}

async function loadBreakdown(region) {
  const level = levelOf(region);
  if (level >= 4) return { status: "na", message: "noLower" };
  const child = level + 1;
  if (tier() === 1 && child > 1) return { status: "denied", levelDenied: child };
  const choices = breakdownChoices(child);
  if (!choices.length) return { status: "denied", needTier: 2 };
  let ind = choices.find((i) => i.id === state.breakdownIndicator) || choices.find((i) => i.statistic === "percentage") || choices[0];
  state.breakdownIndicator = ind.id;
  const reply = await api.aggregate({ indicators: [ind.id], scope: { region, breakdown: LEVELS[child] } });
  return { status: "ok", reply, indicator: ind, child, choices };
}

async function loadDesil(region) {
  const needed = dimensionTier("desil");
  if (needed !== null && needed > tier()) return { status: "denied", needTier: needed };
  const reply = await api.desilDistribution({ unit: "families", scope: { region } });
  return { status: "ok", reply };
}

async function loadPercentiles(region) {
  const choices = percentileChoices();
  if (!choices.length) return { status: "denied", needTier: 2 };
  if (!choices.some((n) => n.id === state.percentileVariable))
    state.percentileVariable = (choices.find((n) => n.id === DEFAULT_PERCENTILE_VARIABLE) || choices[0]).id;
  const variable = state.percentileVariable;
  const reply = await api.percentiles({ variable, percentiles: PERCENTILES, scope: { region } });
  return { status: "ok", reply, variable };
}

const LOADERS = { tiles: loadTiles, pyramid: loadPyramid, breakdown: loadBreakdown, desil: loadDesil, percentiles: loadPercentiles };

async function loadView(id, region, generation) {
  state.views[id] = { status: "loading" };
  renderView(id);
  let result;
  try {
    result = await LOADERS[id](region);
  } catch (e) {
    result = problemOf(e);
  }
  if (generation !== state.generation) return;
  state.views[id] = result;
  const version = result.reply?.metadata?.dataVersion || result.responses?.[0]?.metadata?.dataVersion;
  if (version) state.dataVersion = version;
  renderView(id);
}

async function loadAll() {
  const generation = ++state.generation;
  const started = performance.now();
  document.body.dataset.ready = "false";
  $("#status").textContent = t().loading;
  await Promise.all(VIEWS.map((id) => loadView(id, state.region, generation)));
  if (generation !== state.generation) return;
  renderFooter();
  const ms = Math.round(performance.now() - started);
  $("#status").textContent = format(t().loaded, { ms });
  document.body.dataset.loadMs = String(ms);
  document.body.dataset.ready = "true";
}

// ---------------------------------------------------------------- rendering

function withheldSpan(cell, rules) {
  const tip = ruleText(cell.rule, rules);
  return h("span", { class: "withheld", tabindex: 0, title: tip, "data-tip": tip, "data-rule": cell.rule, "aria-label": `${t().withheld}. ${tip}` }, t().withheld);
}

function valueNode(cell, statistic, rules) {
  if (cell.status === "withheld") return withheldSpan(cell, rules);
  const text = formatCell(cell, statistic);
  if (cell.status !== "perturbed") return h("span", { class: "num" }, text);
  const tip = ruleText(cell.rule || "perturbation.cell-key", rules);
  return h("span", { class: "num perturbed", title: tip, "data-tip": tip, tabindex: 0 }, text);
}

/** An HTML table and its CSV from one model: columns, rows of strings or {cell, statistic}. */
function tableOf(model, rules) {
  const table = h("table", { class: "data" },
    h("thead", {}, h("tr", {}, model.columns.map((c, i) => h("th", { scope: "col", class: model.rows.some((r) => typeof r.cells[i] === "object" && r.cells[i] !== null) ? "num" : undefined }, c)))),
    h("tbody", {}, model.rows.map((row) => h("tr", { "data-key": row.key ?? "" }, row.cells.map((c, i) =>
      typeof c === "object" && c !== null
        ? h("td", { class: "num", "data-col": i, "data-status": c.cell.status, "data-value": c.cell.value ?? undefined }, valueNode(c.cell, c.statistic, rules))
        : h(i === 0 ? "th" : "td", i === 0 ? { scope: "row" } : {}, String(c ?? "")))))));
  return table;
}

function csvOf(model, responses) {
  const quote = (s) => (/[",\n;]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s);
  const header = [];
  model.columns.forEach((c, i) => {
    header.push(c);
    if (model.rows.some((r) => typeof r.cells[i] === "object" && r.cells[i] !== null)) header.push(`${c} (${t().status})`);
  });
  const lines = [header.map(quote).join(",")];
  for (const row of model.rows) {
    const out = [];
    row.cells.forEach((c, i) => {
      if (typeof c === "object" && c !== null) {
        out.push(c.cell.status === "withheld" ? t().withheld : String(c.cell.value));
        out.push(c.cell.rule ? `${statusText(c.cell)}: ${c.cell.rule}` : statusText(c.cell));
      } else {
        out.push(String(c ?? ""));
        if (model.rows.some((r) => typeof r.cells[i] === "object" && r.cells[i] !== null)) out.push("");
      }
    });
    lines.push(out.map(quote).join(","));
  }
  const meta = responses.find((r) => r?.metadata)?.metadata;
  lines.push("");
  lines.push(quote(meta?.attribution || t().source));
  if (meta?.licence) lines.push(quote(`${t().licence}: ${meta.licence}`));
  if (meta?.dataVersion) lines.push(quote(format(t().dataVersion, { version: meta.dataVersion })));
  return `${lines.join("\r\n")}\r\n`;
}

function download(name, text) {
  const url = URL.createObjectURL(new Blob(["\uFEFF", text], { type: "text/csv;charset=utf-8" }));
  const a = h("a", { href: url, download: name });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}

function licenceText(meta) {
  const parts = (meta?.licence || "").split(" | ");
  return (state.lang === "en" ? parts[1] : parts[0]) || parts[0] || "";
}

function metaFooter(responses, cells) {
  const meta = responses.find((r) => r?.metadata)?.metadata;
  const notes = [];
  if (cells.some((c) => c.status === "perturbed")) notes.push(h("li", {}, t().perturbedNote));
  if (cells.some((c) => c.status === "withheld")) notes.push(h("li", {}, t().withheldNote));
  return h("footer", { class: "view-meta" },
    notes.length ? h("ul", { class: "notes" }, notes) : null,
    h("p", { class: "source" }, meta?.attribution || t().source),
    meta?.licence ? h("p", { class: "licence" }, `${t().licence}: ${licenceText(meta)}`) : null,
    meta ? h("p", { class: "tier-used" }, format(t().tierUsed, { tier: t().tierNames[TIERS[meta.tier] ?? 1] })) : null);
}

function problemBox(view) {
  if (view.status === "denied") {
    let detail = view.message || "";
    if (view.levelDenied) detail = format(t().needsGrantLevel, { level: t().levelNames[view.levelDenied].toLowerCase() });
    else if (view.needTier && !view.message) detail = format(t().needsGrantTier, { tier: view.needTier });
    return h("div", { class: "needs-grant", "data-state": "denied" }, h("strong", {}, t().needsGrant), detail ? h("p", {}, detail) : null);
  }
  if (view.status === "na") return h("p", { class: "hint", "data-state": "na" }, view.message ? t()[view.message] : t().noData);
  if (view.status === "error") return h("div", { class: "error", "data-state": "error" }, h("strong", {}, t().failed), h("p", {}, view.message));
  return h("p", { class: "hint", "data-state": "loading" }, t().loading);
}

/** Draws one view: heading, hint, controls, chart, the table behind it with a CSV download, source and licence. */
function shell(id, title, hint, { controls, chart, model, responses = [], cells = [], csvName }) {
  const section = $(`#view-${id}`);
  const view = state.views[id] || { status: "loading" };
  section.dataset.state = view.status;
  section.replaceChildren();
  section.append(h("h2", { id: `view-${id}-title` }, title));
  if (hint) section.append(h("p", { class: "hint" }, hint));
  if (controls) section.append(controls);
  if (view.status !== "ok") {
    section.append(problemBox(view));
    return;
  }
  const rules = rulesOf(responses);
  const box = h("div", { class: "chart-box" });
  section.append(box);
  if (chart) box.append(chart(rules, chartWidth(section)));
  if (model) {
    const details = h("details", { class: "table-box" }, h("summary", {}, t().showTable), h("div", { class: "scroll" }, tableOf(model, rules)));
    const button = h("button", { type: "button", class: "csv", "data-csv": id, onclick: () => download(csvName, csvOf(model, responses)) }, t().downloadCsv);
    section.append(h("div", { class: "table-actions" }, details, button));
  }
  section.append(metaFooter(responses, cells));
}

function chartUi(rules, width, statistic, labelText) {
  return {
    width, label: labelText, withheld: t().withheld,
    format: (cell) => formatCell(cell, statistic),
    ruleText: (rule) => ruleText(rule, rules),
  };
}

function renderTiles() {
  const view = state.views.tiles || { status: "loading" };
  const byId = new Map(state.indicators.map((i) => [i.id, i]));
  const tiles = view.tiles || [];
  const responses = view.responses || [];
  const model = {
    columns: [t().indicator, t().value, t().unit],
    rows: tiles.filter((x) => !x.denied).map((x) => ({ key: x.id, cells: [label(byId.get(x.id) || { nameId: x.id }), { cell: x.cell, statistic: x.statistic }, unitText(x.statistic, x.unit)] })),
  };
  shell("tiles", t().tiles, `${t().tilesHint} ${regionName(state.region)}.`, {
    responses, cells: tiles.filter((x) => x.cell).map((x) => x.cell), model, csvName: `regsosek-indikator-${state.region || "nasional"}.csv`,
    chart: (rules) => h("ul", { class: "tiles" }, tiles.map((x) => {
      const ind = byId.get(x.id) || { nameId: x.id };
      if (x.denied) {
        return h("li", { class: "tile denied", "data-indicator": x.id, "data-status": "denied" },
          h("span", { class: "tile-name" }, label(ind)), h("span", { class: "needs-grant small" }, t().needsGrant));
      }
      return h("li", { class: `tile status-${x.cell.status}`, "data-indicator": x.id, "data-status": x.cell.status, "data-value": x.cell.value ?? undefined, title: ind.definition || undefined },
        h("span", { class: "tile-name" }, label(ind)),
        h("span", { class: "tile-value" }, valueNode(x.cell, x.statistic, rules), " ", h("span", { class: "tile-unit" }, x.cell.status === "withheld" ? "" : unitText(x.statistic, x.unit))));
    })),
  });
}

function renderPyramid() {
  const view = state.views.pyramid || { status: "loading" };
  const sexDim = state.dimensions.find((d) => d.id === "sex");
  const ageDim = state.dimensions.find((d) => d.id === "age_group_5y");
  let rows = [];
  if (view.status === "ok" && sexDim && ageDim) {
    const [left, right] = sexDim.values;
    const cells = new Map();
    for (const row of view.reply.rows || []) {
      const [s, a] = row.keys;
      if (s?.code === undefined || a?.code === undefined) continue; // margins
      cells.set(`${s.code}/${a.code}`, cellOf(row.cells[0]));
    }
    const missing = { value: 0, status: "shown", rule: "" };
    rows = ageDim.values.map((v) => ({
      key: String(v.code), label: valueLabel(v),
      left: cells.get(`${left.code}/${v.code}`) || missing, right: cells.get(`${right.code}/${v.code}`) || missing,
      leftKey: left.code, rightKey: right.code,
    }));
  }
  const sexNames = sexDim ? sexDim.values.map(valueLabel) : [t().male, t().female];
  shell("pyramid", t().pyramid, `${t().pyramidHint} ${regionName(state.region)}.`, {
    responses: view.reply ? [view.reply] : [], cells: rows.flatMap((r) => [r.left, r.right]),
    csvName: `regsosek-piramida-${state.region || "nasional"}.csv`,
    model: { columns: [t().ageGroup, ...sexNames], rows: rows.map((r) => ({ key: r.key, cells: [r.label, { cell: r.left, statistic: "count" }, { cell: r.right, statistic: "count" }] })) },
    chart: (rules, width) => pyramid(rows, {
      ...chartUi(rules, width, "count", t().pyramid), leftTitle: sexNames[0], rightTitle: sexNames[1],
      leftKey: sexDim?.values[0]?.code, rightKey: sexDim?.values[1]?.code,
    }),
  });
}

function renderBreakdown() {
  const view = state.views.breakdown || { status: "loading" };
  let items = [];
  let controls = null;
  let hint = "";
  if (view.status === "ok") {
    const statistic = view.reply.measures?.[0]?.statistic || view.indicator.statistic;
    items = (view.reply.rows || []).filter((r) => r.keys[0]?.code !== undefined).map((r) => ({
      key: String(r.keys[0].code), label: r.keys[0].label || String(r.keys[0].code), cell: cellOf(r.cells[0]),
    }));
    items.sort((a, b) => (a.cell.value === null) - (b.cell.value === null) || (b.cell.value ?? 0) - (a.cell.value ?? 0) || a.label.localeCompare(b.label));
    view.statistic = statistic;
    hint = format(t().breakdownHint, { indicator: label(view.indicator), level: t().levelNames[view.child].toLowerCase(), region: regionName(state.region) });
    controls = h("div", { class: "view-controls" },
      h("label", { for: "breakdown-indicator" }, t().indicator),
      h("select", { id: "breakdown-indicator", onchange: (e) => { state.breakdownIndicator = e.target.value; reloadView("breakdown"); } },
        view.choices.map((i) => h("option", { value: i.id, selected: i.id === view.indicator.id }, label(i)))));
  }
  shell("breakdown", t().breakdown, hint, {
    controls, responses: view.reply ? [view.reply] : [], cells: items.map((i) => i.cell),
    csvName: `regsosek-wilayah-${state.breakdownIndicator}-${state.region || "nasional"}.csv`,
    model: { columns: [t().regionCode, t().regionName, view.indicator ? label(view.indicator) : t().value], rows: items.map((i) => ({ key: i.key, cells: [i.key, i.label, { cell: i.cell, statistic: view.statistic }] })) },
    chart: (rules, width) => barChart(items, chartUi(rules, width, view.statistic, hint)),
  });
}

function renderDesil() {
  const view = state.views.desil || { status: "loading" };
  const dim = state.dimensions.find((d) => d.id === "desil");
  let items = [];
  if (view.status === "ok") {
    items = (view.reply.rows || []).filter((r) => r.keys[0]?.code !== undefined).map((r) => {
      const v = dim?.values.find((x) => x.code === r.keys[0].code);
      return { key: String(r.keys[0].code), label: v ? valueLabel(v) : r.keys[0].label, short: String(r.keys[0].code), cell: cellOf(r.cells[0]) };
    }).sort((a, b) => Number(a.key) - Number(b.key));
  }
  shell("desil", t().desil, `${t().desilHint} ${regionName(state.region)}.`, {
    responses: view.reply ? [view.reply] : [], cells: items.map((i) => i.cell),
    csvName: `regsosek-desil-${state.region || "nasional"}.csv`,
    model: { columns: ["Desil", t().families], rows: items.map((i) => ({ key: i.key, cells: [i.label, { cell: i.cell, statistic: "count" }] })) },
    chart: (rules, width) => columnChart(items, chartUi(rules, width, "count", t().desil)),
  });
}

function renderPercentiles() {
  const view = state.views.percentiles || { status: "loading" };
  const variable = state.percentileVariable;
  const varName = numericName(variable);
  let items = [];
  let unit = "";
  if (view.status === "ok") {
    const row = (view.reply.rows || [])[0];
    // A percentile's measure id is "<variable>:p<percentile>" (aggregate.proto, Measure.id).
    items = (view.reply.measures || []).map((m, k) => ({ key: m.id, label: `p${m.id.split(":p").pop()}`, cell: cellOf(row?.cells?.[k]) }));
    unit = unitText("percentile", view.reply.measures?.[0]?.unit);
  }
  const controls = h("div", { class: "view-controls" },
    h("label", { for: "percentile-variable" }, t().variable),
    h("select", { id: "percentile-variable", onchange: (e) => { state.percentileVariable = e.target.value; reloadView("percentiles"); } },
      percentileChoices().map((n) => h("option", { value: n.id, selected: n.id === variable }, numericName(n.id)))));
  shell("percentiles", t().percentiles, format(t().percentilesHint, { variable: varName, region: regionName(state.region) }), {
    controls, responses: view.reply ? [view.reply] : [], cells: items.map((i) => i.cell),
    csvName: `regsosek-persentil-${variable}-${state.region || "nasional"}.csv`,
    model: { columns: [t().percentile, `${varName}`, t().unit], rows: items.map((i) => ({ key: i.key, cells: [i.label, { cell: i.cell, statistic: "percentile" }, unit] })) },
    chart: (rules, width) => percentileStrip(items, chartUi(rules, width, "percentile", t().percentiles)),
  });
}

const RENDERERS = { tiles: renderTiles, pyramid: renderPyramid, breakdown: renderBreakdown, desil: renderDesil, percentiles: renderPercentiles };

function renderView(id) { RENDERERS[id](); }

async function reloadView(id) {
  const generation = state.generation;
  await loadView(id, state.region, generation);
}

function renderFooter() {
  $("#footer-source").textContent = t().source;
  $("#footer-version").textContent = state.dataVersion ? format(t().dataVersion, { version: state.dataVersion }) : "";
}

function renderStatic() {
  document.documentElement.lang = state.lang;
  document.title = t().title;
  for (const e of document.querySelectorAll("[data-i18n]")) e.textContent = t()[e.dataset.i18n];
  for (const b of document.querySelectorAll("[data-lang]")) b.setAttribute("aria-pressed", String(b.dataset.lang === state.lang));
  $("#token-clear").hidden = !state.token;
}

function renderGrant() {
  const box = $("#grant");
  box.replaceChildren();
  const g = state.grant;
  if (!g || g.rejected) {
    box.dataset.tier = "1";
    if (g?.rejected) box.append(h("p", { class: "error", "data-state": "rejected" }, `${t().tokenRejected}: ${g.problem}`));
    box.append(h("p", {}, t().publicAccess));
    return;
  }
  box.dataset.tier = String(g.tier);
  box.dataset.region = g.region;
  const notOffered = h("em", {}, t().grantNotOffered);
  const expiry = g.validUntil ? new Date(g.validUntil).toLocaleDateString(state.lang === "en" ? "en-GB" : "id-ID", { year: "numeric", month: "long", day: "numeric" }) : null;
  box.append(h("dl", { class: "grant-info" },
    h("dt", {}, t().grantOrganisation), h("dd", { "data-field": "organisation" }, g.organisation ? `${g.organisation}${g.unit ? ` — ${g.unit}` : ""}` : notOffered.cloneNode(true)),
    h("dt", {}, t().grantTier), h("dd", { "data-field": "tier" }, t().tierNames[g.tier] || String(g.tier)),
    h("dt", {}, t().grantRegion), h("dd", { "data-field": "region" }, g.region ? `${regionName(g.region)} (${g.region})` : t().national),
    h("dt", {}, t().grantExpiry), h("dd", { "data-field": "expiry" }, expiry || notOffered.cloneNode(true))));
}

async function renderPicker() {
  const box = $("#region-picker");
  const root = rootRegion();
  const rootLevel = levelOf(root);
  const parts = [];
  if (root) parts.push(h("p", { class: "root" }, `${t().levelNames[rootLevel]}: `, h("strong", {}, regionName(root))));
  const selectedLevel = levelOf(state.region);
  for (let level = rootLevel + 1; level <= maxLevel(); level++) {
    const parent = level - 1 <= selectedLevel ? pathOf(state.region)[level - 1] : null;
    if (parent === null || parent === undefined) break;
    let list;
    try { list = await children(parent); } catch { break; }
    if (!list.length) break;
    const current = selectedLevel >= level ? pathOf(state.region)[level] : parent;
    const id = `region-level-${level}`;
    const whole = parent ? `${regionName(parent)} ${t().whole}` : t().national;
    parts.push(h("div", { class: "field" },
      h("label", { for: id }, t().levelNames[level]),
      h("select", { id, "data-level": level, onchange: (e) => selectRegion(e.target.value) },
        h("option", { value: parent }, whole),
        list.map((r) => h("option", { value: r.code, selected: r.code === current }, r.name)))));
  }
  box.replaceChildren(...parts);
}

async function selectRegion(code) {
  state.region = code;
  await renderPicker();
  // Keep keyboard focus on the select that changed (the picker was redrawn).
  const level = levelOf(code) || 1;
  const select = document.getElementById(`region-level-${level}`) || document.getElementById(`region-level-${level + 1}`);
  select?.focus();
  await loadAll();
}

function renderAll() {
  renderStatic();
  renderGrant();
  renderPicker();
  for (const id of VIEWS) renderView(id);
  renderFooter();
}

// ---------------------------------------------------------------- start

async function start() {
  renderStatic();
  renderGrant();
  for (const id of VIEWS) renderView(id);
  for (const b of document.querySelectorAll("[data-lang]")) {
    b.addEventListener("click", () => {
      state.lang = b.dataset.lang;
      localStorage.setItem(LANG_KEY, state.lang);
      renderAll();
    });
  }
  $("#token-form").addEventListener("submit", async (e) => {
    e.preventDefault();
    const value = $("#token-input").value.trim();
    $("#token-input").value = "";
    if (!value) return;
    state.token = value;
    sessionStorage.setItem(TOKEN_KEY, value);
    await applyAccess();
  });
  $("#token-clear").addEventListener("click", async () => {
    state.token = "";
    sessionStorage.removeItem(TOKEN_KEY);
    await applyAccess();
  });
  let resize;
  window.addEventListener("resize", () => {
    clearTimeout(resize);
    resize = setTimeout(() => { for (const id of VIEWS) renderView(id); }, 150);
  });

  try {
    const [indicators, dimensions, numerics] = await Promise.all([api.indicators(), api.dimensions(), api.numerics(), children("")]);
    state.indicators = indicators.indicators || [];
    state.dimensions = dimensions.dimensions || [];
    state.numerics = numerics.numerics || [];
  } catch (e) {
    $("#status").textContent = `${t().failed}: ${e.message}`;
    document.body.dataset.ready = "error";
    return;
  }
  await applyAccess();
}

async function applyAccess() {
  await identify();
  state.region = rootRegion();
  renderStatic();
  renderGrant();
  await renderPicker();
  await loadAll();
}

start();
