/* Supervisor charts: ECharts (vendored) fed by /supervisor/charts.json. Tooltips are drawn on the canvas
   (renderMode richText), so nothing needs inline styles and the strict CSP holds. */
"use strict";
(function () {
  var box = document.getElementById("charts");
  if (!box || !window.echarts) return;
  var palette = ["#c8161d", "#1f5fbf", "#1f8a3e", "#b25e00", "#6b4fbb", "#0f8b8d"];
  var base = {color: palette, tooltip: {trigger: "axis", renderMode: "richText"}, grid: {left: 48, right: 20, top: 36, bottom: 36}};
  function chart(id, option) {
    var node = document.getElementById(id);
    var c = echarts.init(node, null, {renderer: "canvas", locale: "ZH"});
    c.setOption(Object.assign({}, base, option));
    window.addEventListener("resize", function () { c.resize(); });
    node.setAttribute("data-ready", "true");
    return c;
  }
  function short(days) { return days.map(function (d) { return d.slice(5); }); }
  fetch(box.getAttribute("data-source"), {credentials: "same-origin"}).then(function (r) { return r.json(); }).then(function (data) {
    chart("chart-volume", {
      legend: {top: 0}, xAxis: {type: "category", data: short(data.volume.days)}, yAxis: {type: "value"},
      series: data.volume.series.map(function (s) { return {name: s.name, type: "bar", stack: "all", data: s.data}; })
    });
    chart("chart-categories", {
      grid: {left: 130, right: 30, top: 10, bottom: 24}, xAxis: {type: "value"},
      yAxis: {type: "category", data: data.categories.names},
      series: [{type: "bar", data: data.categories.counts, name: "工单数", label: {show: true, position: "right"}}]
    });
    chart("chart-ontime", {
      legend: {top: 0}, xAxis: {type: "category", data: short(data.on_time.days)},
      yAxis: {type: "value", min: 0, max: 100, axisLabel: {formatter: "{value}%"}},
      series: [{name: "按时联系", type: "line", data: data.on_time.respond, connectNulls: true},
               {name: "按时答复", type: "line", data: data.on_time.reply, connectNulls: true}]
    });
    chart("chart-satisfaction", {
      legend: {top: 0}, xAxis: {type: "category", data: short(data.satisfaction.days)},
      yAxis: [{type: "value", min: 0, max: 100, axisLabel: {formatter: "{value}%"}}, {type: "value", name: "回访数"}],
      series: [{name: "满意率", type: "line", data: data.satisfaction.satisfied, connectNulls: true},
               {name: "解决率", type: "line", data: data.satisfaction.resolved, connectNulls: true},
               {name: "回访数", type: "bar", yAxisIndex: 1, data: data.satisfaction.answers, itemStyle: {opacity: 0.3}}]
    });
    box.setAttribute("data-ready", "true");
  });
})();
