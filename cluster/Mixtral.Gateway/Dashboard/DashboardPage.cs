namespace Mixtral.Gateway.Dashboard;

/// <summary>The page itself: static HTML, inline CSS and JS (no CDN), an SVG heatmap redrawn from each poll.</summary>
internal static class DashboardPage
{
    public const string Html = """
<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>Mixtral cluster</title>
<style>
  body { font: 14px system-ui, sans-serif; margin: 24px; color: #222; }
  h1 { font-size: 20px; margin: 0 0 4px; }
  .summary span { margin-right: 18px; }
  #status { color: #777; font-size: 12px; }
  h2 { font-size: 16px; margin: 20px 0 6px; }
  svg text { font: 10px monospace; }
  table { border-collapse: collapse; }
  th, td { padding: 3px 10px; text-align: right; border-bottom: 1px solid #eee; }
  th:first-child, td:first-child { text-align: left; }
  .bar { display: inline-block; height: 10px; background: #d9534f; }
</style>
</head>
<body>
<h1>Mixtral cluster</h1>
<div class="summary">plan generation <span id="generation">-</span> steps <span id="steps">-</span> tokens <span id="tokens">-</span></div>
<div id="status">loading…</div>
<form id="key" hidden>API key <input id="key-value" type="password" autocomplete="off"> <button>use</button></form>
<h2>Expert load (tokens routed, layer × expert)</h2>
<div id="heatmap"></div>
<h2>Nodes</h2>
<table>
  <thead><tr><th>node</th><th>expert tokens</th><th></th><th>calls</th><th>mean ms</th><th>p50 ms</th><th>p99 ms</th></tr></thead>
  <tbody id="nodes"></tbody>
</table>
<script>
"use strict";
const escape = s => String(s).replace(/[&<>"']/g, c => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c]));

function heatmap(s) {
  const cw = 44, ch = 18, left = 40, top = 18;
  // Colour spans the lowest to the highest count, so skew shows even when every expert is busy.
  const all = s.expert_tokens.flat(), min = Math.min(...all), span = Math.max(1, Math.max(...all) - min);
  let svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${left + s.experts * cw}" height="${top + s.layers * ch}">`;
  for (let e = 0; e < s.experts; e++) svg += `<text x="${left + e * cw + cw / 2}" y="12" text-anchor="middle">E${e}</text>`;
  for (let l = 0; l < s.layers; l++) {
    svg += `<text x="0" y="${top + l * ch + 13}">L${l}</text>`;
    for (let e = 0; e < s.experts; e++) {
      const v = s.expert_tokens[l][e], light = 92 - Math.round(52 * (v - min) / span);
      svg += `<g class="cell" data-layer="${l}" data-expert="${e}" data-tokens="${v}">` +
        `<rect x="${left + e * cw}" y="${top + l * ch}" width="${cw - 1}" height="${ch - 1}" fill="hsl(8, 75%, ${light}%)"></rect>` +
        `<text x="${left + e * cw + cw / 2}" y="${top + l * ch + 13}" text-anchor="middle">${v}</text></g>`;
    }
  }
  return svg + "</svg>";
}

function nodes(s) {
  const max = Math.max(1, ...s.nodes.map(n => n.expert_tokens));
  return s.nodes.map(n => `<tr class="node" data-node="${escape(n.name)}"><td>${escape(n.name)}</td>` +
    `<td class="load">${n.expert_tokens.toFixed(0)}</td><td><span class="bar" style="width:${Math.round(120 * n.expert_tokens / max)}px"></span></td>` +
    `<td class="calls">${n.calls}</td><td class="mean">${n.latency_mean_ms.toFixed(2)}</td>` +
    `<td class="p50">${n.latency_p50_ms.toFixed(2)}</td><td class="p99">${n.latency_p99_ms.toFixed(2)}</td></tr>`).join("");
}

// Behind API keys the data needs "Authorization: Bearer KEY": asked for once, kept for this tab only.
const keyForm = document.getElementById("key");
keyForm.addEventListener("submit", e => {
  e.preventDefault();
  sessionStorage.setItem("mixtral-api-key", document.getElementById("key-value").value);
  keyForm.hidden = true;
  refresh();
});

async function refresh() {
  try {
    const key = sessionStorage.getItem("mixtral-api-key");
    const headers = key ? { "Authorization": "Bearer " + key } : {};
    const response = await fetch("/v1/cluster/stats", { cache: "no-store", headers });
    if (response.status === 401) keyForm.hidden = false;
    if (!response.ok) throw new Error(`${response.status} ${await response.text()}`);
    const s = await response.json();
    document.getElementById("generation").textContent = s.plan_generation;
    document.getElementById("steps").textContent = s.steps;
    document.getElementById("tokens").textContent = s.tokens;
    document.getElementById("heatmap").innerHTML = heatmap(s);
    document.getElementById("nodes").innerHTML = nodes(s);
    document.getElementById("status").textContent = "updated " + new Date().toLocaleTimeString();
  } catch (e) {
    document.getElementById("status").textContent = "could not read /v1/cluster/stats: " + e.message;
  }
}
refresh();
setInterval(refresh, 1000);
</script>
</body>
</html>
""";
}
