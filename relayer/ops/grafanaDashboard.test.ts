import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { createRelayerMetrics, RELAYER_METRIC_NAMES } from "./metrics.js";

/** How every panel names its datasource: the dashboard's `datasource` variable. */
// biome-ignore lint/suspicious/noTemplateCurlyInString: Grafana's variable syntax, not a JS template.
const DATASOURCE_UID = "${datasource}";
const DASHBOARD_PATH = new URL("../grafana/crossmargin-relayer.json", import.meta.url);

type Target = { expr?: string; legendFormat?: string; datasource?: { type?: string; uid?: string } };
type Panel = { id: number; type: string; title: string; targets?: Target[]; datasource?: { uid?: string } };
type Dashboard = {
  schemaVersion: number;
  uid: string;
  panels: Panel[];
  templating: {
    list: Array<{
      name: string;
      type: string;
      query: unknown;
      definition?: string;
      datasource?: { uid?: string };
    }>;
  };
};

function loadDashboard(): Dashboard {
  // The file is ours and fixed; the assertions below check every field the test relies on.
  return JSON.parse(readFileSync(DASHBOARD_PATH, "utf8")) as Dashboard;
}

/** Every `crossmargin_*` series an expression reads, mapped to its metric (histogram suffixes removed). */
function metricsOf(expr: string): Array<{ series: string; metric: string }> {
  return [...expr.matchAll(/\bcrossmargin_[a-z_]+/g)].map(([series]) => ({
    series,
    metric: /_latency_seconds_(bucket|sum|count)$/.test(series)
      ? series.replace(/_(bucket|sum|count)$/, "")
      : series,
  }));
}

function labelNamesOf(metric: unknown): string[] {
  const labels: unknown = metric === undefined ? undefined : Reflect.get(Object(metric), "labelNames");
  return Array.isArray(labels) ? labels.map(String) : [];
}

describe("the Grafana dashboard", () => {
  const dashboard = loadDashboard();
  const metrics = createRelayerMetrics();
  const targets = dashboard.panels.flatMap((panel) =>
    (panel.targets ?? []).map((target) => ({ panel, target })),
  );

  it("is an importable dashboard with a Prometheus datasource variable used by every panel", () => {
    expect(dashboard.schemaVersion).toBeGreaterThanOrEqual(38);
    expect(dashboard.uid).toBe("crossmargin-relayer");
    const datasource = dashboard.templating.list.find((v) => v.name === "datasource");
    expect(datasource).toMatchObject({ type: "datasource", query: "prometheus" });
    for (const panel of dashboard.panels.filter((p) => p.type !== "row")) {
      expect(panel.datasource?.uid, panel.title).toBe(DATASOURCE_UID);
      expect(panel.targets?.length, panel.title).toBeGreaterThan(0);
      for (const target of panel.targets ?? [])
        expect(target.datasource?.uid, panel.title).toBe(DATASOURCE_UID);
    }
    const ids = dashboard.panels.map((p) => p.id);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it("only queries metrics and labels that createRelayerMetrics() registers", () => {
    const queries = [
      ...targets.map(({ panel, target }) => ({
        where: panel.title,
        expr: target.expr ?? "",
        legend: target.legendFormat,
      })),
      ...dashboard.templating.list
        .filter((v) => v.type === "query")
        .map((v) => ({ where: `variable ${v.name}`, expr: v.definition ?? "", legend: undefined })),
    ];
    for (const { where, expr, legend } of queries) {
      const used = metricsOf(expr);
      expect(used.length, `${where}: ${expr}`).toBeGreaterThan(0);
      const labels = new Set<string>();
      for (const { series, metric } of used) {
        const registered = metrics.registry.getSingleMetric(metric);
        expect(registered, `${where}: ${series} is not a relayer metric`).toBeDefined();
        for (const label of labelNamesOf(registered)) labels.add(label);
        if (series.endsWith("_bucket")) labels.add("le");
      }
      const grouped = [...expr.matchAll(/\bby \(([^)]*)\)/g)].flatMap(([, list]) =>
        list!.split(",").map((l) => l.trim()),
      );
      const matched = [...expr.matchAll(/[{,]\s*([a-z_]+)\s*(?:=~|!~|!=|=)/g)].map(([, label]) => label!);
      const label_values = [...expr.matchAll(/label_values\([^,]+,\s*([a-z_]+)\)/g)].map(
        ([, label]) => label!,
      );
      const legendLabels = [...(legend ?? "").matchAll(/\{\{(\w+)\}\}/g)].map(([, label]) => label!);
      for (const label of [...grouped, ...matched, ...label_values, ...legendLabels])
        expect(
          labels.has(label),
          `${where}: label ${label} not on ${[...new Set(used.map((u) => u.metric))]}`,
        ).toBe(true);
      for (const [open, close] of ["()", "{}", "[]"])
        expect(expr.split(open!).length, `${where}: unbalanced ${open}${close} in ${expr}`).toBe(
          expr.split(close!).length,
        );
    }
  });

  it("charts every relayer metric", () => {
    const used = new Set(targets.flatMap(({ target }) => metricsOf(target.expr ?? "").map((m) => m.metric)));
    for (const name of Object.values(RELAYER_METRIC_NAMES)) expect(used.has(name), name).toBe(true);
  });

  it("shows p50 and p95 of each latency histogram from the rate of its buckets", () => {
    const exprs = targets.map(({ target }) => target.expr ?? "");
    for (const name of ["attest", "deliver", "credit"])
      for (const q of ["0.5", "0.95"])
        expect(
          exprs.some((e) =>
            e.startsWith(
              `histogram_quantile(${q}, sum by (le, route) (rate(crossmargin_${name}_latency_seconds_bucket`,
            ),
          ),
        ).toBe(true);
  });
});
