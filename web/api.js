// The public HTTP/JSON API of regsosek.v1 (google.api.http routes of proto/regsosek/v1), called exactly as
// any other client: same origin, the caller's token (if any) as a bearer token, nothing else.

/** A refused or failed call. `kind` is "denied", "unauthenticated", "invalid", "not-found" or "failed". */
export class ApiError extends Error {
  constructor(kind, status, message, reason) {
    super(message || kind);
    this.kind = kind;
    this.status = status;
    this.reason = reason || "";
  }
}

const KINDS = { 400: "invalid", 401: "unauthenticated", 403: "denied", 404: "not-found" };
// gRPC status codes as the JSON error body carries them.
const CODES = { 3: "invalid", 5: "not-found", 7: "denied", 16: "unauthenticated" };

export class Api {
  constructor(tokenProvider) {
    this.tokenProvider = tokenProvider;
  }

  async request(method, path, body) {
    const headers = { accept: "application/json" };
    const token = this.tokenProvider();
    if (token) headers.authorization = `Bearer ${token}`;
    if (body !== undefined) headers["content-type"] = "application/json";
    let response;
    try {
      response = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body), cache: "no-store" });
    } catch (e) {
      throw new ApiError("failed", 0, String(e));
    }
    let data = null;
    const text = await response.text();
    if (text) {
      try { data = JSON.parse(text); } catch { data = null; }
    }
    if (response.ok) return data ?? {};
    const reason = (data?.details || []).map((d) => d.reason).find(Boolean);
    const kind = CODES[data?.code] || KINDS[response.status] || "failed";
    throw new ApiError(kind, response.status, data?.message || `HTTP ${response.status}`, reason);
  }

  indicators() { return this.request("GET", "/v1/indicators"); }
  dimensions() { return this.request("GET", "/v1/dimensions"); }
  /** The numeric variables Percentiles takes (CatalogService.ListNumerics). */
  numerics() { return this.request("GET", "/v1/numerics"); }
  regions(parent) { return this.request("GET", parent ? `/v1/regions?parent=${encodeURIComponent(parent)}` : "/v1/regions"); }
  aggregate(body) { return this.request("POST", "/v1/aggregate", body); }
  desilDistribution(body) { return this.request("POST", "/v1/desil-distribution", body); }
  percentiles(body) { return this.request("POST", "/v1/percentiles", body); }
  /** Who the caller is (CatalogService.WhoAmI): {grant?, tier, region, regionName}; a refused token is an ApiError. */
  me() { return this.request("GET", "/v1/me"); }
}

export const LEVELS = ["REGION_LEVEL_NATIONAL", "REGION_LEVEL_PROVINCE", "REGION_LEVEL_REGENCY", "REGION_LEVEL_DISTRICT", "REGION_LEVEL_VILLAGE"];
export const TIERS = { TIER_PUBLIC: 1, TIER_DISAGGREGATED: 2, TIER_MICRODATA: 3, TIER_BNBA: 4 };

/** 0 national, 1 province, 2 regency, 3 district, 4 village: from the code's length. */
export function levelOf(code) {
  const digits = (code || "").replace(/\./g, "").length;
  return { 0: 0, 2: 1, 4: 2, 6: 3, 10: 4 }[digits] ?? -1;
}

export function levelIndex(name) {
  const i = LEVELS.indexOf(name);
  return i < 0 ? 4 : i;
}

/** The ancestor codes of a region, outermost first, ending with the region itself; national is "". */
export function pathOf(code) {
  const lengths = [2, 4, 6, 10];
  const path = [""];
  for (const n of lengths) if (code.length >= n) path.push(code.slice(0, n));
  return path;
}
