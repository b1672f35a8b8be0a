/* Dashboard charts (ECharts). Every bar, point and slice opens the task list filtered to exactly its tasks. */
(function () {
  "use strict";
  const source = document.getElementById("dashboard-data");
  if (!source || typeof echarts === "undefined") return;
  const data = JSON.parse(source.textContent);
  // Translated labels come from the template (data-* attributes of #dashboard-labels).
  const T = Object.assign({
    complete: "已完成", pending: "未完成（未逾期）", overdue: "已逾期", empty: "暂无数据", rate: "完成率",
    overdueCount: "逾期", weekOf: "{week} 起一周", completedInWeek: "完成整改 {count} 项", completed: "完成整改",
    items: "项", pie: "{b}：{c} 项",
  }, (document.getElementById("dashboard-labels") || {}).dataset || {});
  const charts = [];
  const COLORS = { complete: "#198754", pending: "#0d6efd", overdue: "#dc3545", blue: "#0d6efd", yellow: "#ffc107", red: "#dc3545", done: "#198754" };
  const SERIES = [["complete", T.complete], ["pending", T.pending], ["overdue", T.overdue]];

  function narrow() { return window.innerWidth < 576; }

  function go(url) { if (url) window.location.href = url; }

  function empty(el) {
    el.classList.add("d-flex", "align-items-center", "justify-content-center", "text-body-secondary", "small");
    el.style.height = "120px";
    el.textContent = T.empty;
  }

  // Tooltip content as DOM nodes: ECharts' own tooltip HTML carries style= attributes, which the
  // Content-Security-Policy blocks, and text set with textContent is never parsed as markup (unit names
  // are typed by users). rows: [colour or null, label, value or undefined].
  function tip(title, rows) {
    const box = document.createElement("div");
    box.className = "chart-tip";
    if (title) {
      const head = box.appendChild(document.createElement("div"));
      head.className = "chart-tip-title";
      head.textContent = title;
    }
    rows.forEach(([color, label, value]) => {
      const row = box.appendChild(document.createElement("div"));
      row.className = "chart-tip-row";
      if (color) {
        const dot = row.appendChild(document.createElement("span"));
        dot.className = "chart-tip-dot";
        dot.style.backgroundColor = color;  // CSSOM, which the policy allows (unlike a style= attribute)
      }
      row.appendChild(document.createTextNode(label));
      if (value !== undefined) {
        const figure = row.appendChild(document.createElement("span"));
        figure.className = "chart-tip-value";
        figure.textContent = value;
      }
    });
    return box;
  }

  function make(id, items, option, onClick, height) {
    const el = document.getElementById(id);
    if (!el) return;
    if (!items || !items.length) { empty(el); return; }
    if (height) el.style.height = height + "px";
    const chart = echarts.init(el, null, { renderer: "canvas" });
    chart.setOption(Object.assign({ animation: false, textStyle: { fontFamily: "inherit" } }, option));
    chart.on("click", onClick);
    charts.push(chart);
  }

  // By category: stacked horizontal bars complete / pending / overdue.
  const categories = data.categories.slice().reverse();
  make("chart-category", categories, {
    tooltip: { trigger: "axis", axisPointer: { type: "shadow" },
               formatter: ps => tip(ps[0].name, ps.map(p => [p.color, p.seriesName, p.value])) },
    legend: { top: 0, itemWidth: 12, textStyle: { fontSize: 11 } },
    grid: { left: 8, right: 16, top: 28, bottom: 8, containLabel: true },
    xAxis: { type: "value", minInterval: 1 },
    yAxis: { type: "category", data: categories.map(c => c.label), axisLabel: { fontSize: 11 } },
    series: SERIES.map(([key, name]) => ({
      name, type: "bar", stack: "tasks", itemStyle: { color: COLORS[key] }, cursor: "pointer",
      data: categories.map(c => c[key]),
    })),
  }, p => go(categories[p.dataIndex].urls[SERIES[p.seriesIndex][0]]), 60 + 26 * categories.length);

  // Units ranked by completion rate (best at the top).
  const units = data.units.slice().reverse();
  make("chart-units", units, {
    tooltip: {
      trigger: "axis", axisPointer: { type: "shadow" },
      formatter: ps => {
        const u = units[ps[0].dataIndex];
        return tip(u.label, [[ps[0].color, T.rate, `${u.rate}%（${u.complete}/${u.total}）`], [null, T.overdueCount, u.overdue]]);
      },
    },
    grid: { left: 8, right: 40, top: 8, bottom: 8, containLabel: true },
    xAxis: { type: "value", max: 100, axisLabel: { formatter: "{value}%" } },
    yAxis: {
      type: "category", data: units.map(u => u.label),
      axisLabel: { fontSize: 11, width: narrow() ? 96 : 180, overflow: "truncate" },
    },
    series: [{
      name: T.rate, type: "bar", cursor: "pointer",
      data: units.map(u => ({ value: u.rate, itemStyle: { color: u.rate >= 80 ? COLORS.complete : u.rate >= 50 ? COLORS.pending : COLORS.overdue } })),
      label: { show: true, position: "right", formatter: "{c}%", fontSize: 11 },
    }],
  }, p => go(units[p.dataIndex].urls.total), 40 + 26 * units.length);

  // Weekly completion trend from the event history.
  make("chart-trend", data.trend, {
    tooltip: {
      trigger: "axis",
      formatter: ps => tip(T.weekOf.replace("{week}", data.trend[ps[0].dataIndex].key),
                           [[ps[0].color, T.completedInWeek.replace("{count}", ps[0].value)]]),
    },
    grid: { left: 8, right: 16, top: 24, bottom: 8, containLabel: true },
    xAxis: { type: "category", data: data.trend.map(w => w.label), axisLabel: { fontSize: 11, hideOverlap: true } },
    yAxis: { type: "value", minInterval: 1, name: T.items, nameTextStyle: { fontSize: 11 } },
    series: [{
      name: T.completed, type: "bar", cursor: "pointer", barMaxWidth: 28, itemStyle: { color: COLORS.complete },
      label: { show: !narrow(), position: "top", fontSize: 11 }, data: data.trend.map(w => w.value),
    }],
  }, p => go(data.trend[p.dataIndex].url));

  // Warning colours (live figures only).
  if (data.warnings) {
    const warnings = data.warnings.filter(w => w.value > 0);
    make("chart-warning", warnings, {
      tooltip: {
        trigger: "item", confine: true,  // kept inside the chart: beside a narrow ring it ran off the page
        formatter: p => tip(null, [[p.color, `${T.pie.replace("{b}", p.name).replace("{c}", p.value)}（${p.percent}%）`]]),
      },
      series: [{
        // A smaller ring on a phone leaves room for five-digit labels beside it.
        type: "pie", radius: narrow() ? ["35%", "58%"] : ["45%", "75%"], cursor: "pointer",
        label: { formatter: "{c}", fontSize: 11 },
        data: warnings.map(w => ({ name: w.label, value: w.value, itemStyle: { color: COLORS[w.key] } })),
      }],
    }, p => go(warnings[p.dataIndex].url));
  }

  let pending = null;
  window.addEventListener("resize", () => {
    clearTimeout(pending);
    pending = setTimeout(() => charts.forEach(chart => chart.resize()), 100);
  });
})();
