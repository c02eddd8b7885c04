"""The Jinja template of the HTML report (kept in Python so it ships with the package).

Rendered with autoescaping on, so every value from the run is escaped wherever it lands: text,
attribute or SVG. The page loads nothing: no scripts, no fonts, no images; its Content Security
Policy forbids them, so a stray external reference shows up as a console error in the tests.
"""

TEMPLATE = """\
<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy"
      content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">
<link rel="icon" href="data:,">
<title>refsync run {{ run_id }} · {{ mapping_name }}</title>
<style>
  body { font-family: system-ui, sans-serif; margin: 1.5rem auto; max-width: 72rem;
         padding: 0 1rem; color: #1a1a1a; background: #fff; line-height: 1.4; }
  h1 { font-size: 1.5rem; margin-bottom: .25rem; }
  h2 { font-size: 1.2rem; margin-top: 2rem; }
  .state { font-weight: bold; }
  .state.incomplete { color: #8b0000; }
  dl.provenance { display: grid; grid-template-columns: max-content 1fr; gap: .2rem 1rem; }
  dl.provenance dt { font-weight: bold; }
  dl.provenance dd { margin: 0; overflow-wrap: anywhere; white-space: pre-wrap; }
  table { border-collapse: collapse; margin: .5rem 0 1rem; }
  caption { text-align: left; font-weight: bold; padding: .25rem 0; }
  th, td { border: 1px solid #999; padding: .2rem .5rem; text-align: left; vertical-align: top; }
  td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
  td.error { white-space: pre-wrap; overflow-wrap: anywhere; max-width: 40rem; }
  .swatch { display: inline-block; width: .8em; height: .8em; margin-right: .3em;
            border: 1px solid #555; vertical-align: baseline; }
  svg text { font-family: system-ui, sans-serif; font-size: 12px; fill: #1a1a1a; }
  figure { margin: 0; }
  .note { color: #444; }
  td.when { white-space: nowrap; }
</style>
</head>
<body>
<main>
<header>
  <h1>refsync run report</h1>
  <p>Run <code>{{ run_id }}</code>: mapping <strong>{{ mapping_name }}</strong> to
     <strong>{{ target }}</strong>, {{ total }} input row{{ "" if total == 1 else "s" }}.
     <span class="state{{ '' if complete else ' incomplete' }}" id="run-state">
       {{- "Complete." if complete else "Incomplete: the run stopped before every row." -}}
     </span></p>
</header>

<section aria-labelledby="outcomes-heading">
  <h2 id="outcomes-heading">Outcomes</h2>
  <figure>
    <svg id="outcome-chart" role="img" aria-labelledby="outcome-chart-title"
         aria-describedby="outcome-chart-desc"
         width="{{ chart.width }}" height="{{ chart.height }}"
         viewBox="0 0 {{ chart.width }} {{ chart.height }}">
      <title id="outcome-chart-title">Rows per outcome</title>
      <desc id="outcome-chart-desc">{{ chart.description }}</desc>
      {% for bar in chart.bars %}
      <g class="bar" data-outcome="{{ bar.outcome }}" data-count="{{ bar.count }}">
        <text x="{{ chart.label_width - 8 }}" y="{{ bar.y + bar.height - 4 }}"
              text-anchor="end">{{ bar.outcome }}</text>
        <rect x="{{ chart.label_width }}" y="{{ bar.y }}" width="{{ bar.width }}"
              height="{{ bar.height }}" fill="{{ bar.color }}"></rect>
        <text class="count" x="{{ chart.label_width + bar.width + 6 }}"
              y="{{ bar.y + bar.height - 4 }}">{{ bar.count }}</text>
      </g>
      {% endfor %}
    </svg>
  </figure>
  <table id="outcome-table">
    <caption>Rows per outcome (the chart's data)</caption>
    <thead><tr><th scope="col">Outcome</th><th scope="col" class="num">Rows</th>
      <th scope="col" class="num">Share</th></tr></thead>
    <tbody>
    {% for bar in chart.bars %}
      <tr data-outcome="{{ bar.outcome }}"><th scope="row"><span class="swatch"
        style="background: {{ bar.color }}" aria-hidden="true"></span>{{ bar.outcome }}</th>
        <td class="num">{{ bar.count }}</td><td class="num">{{ bar.share }}</td></tr>
    {% endfor %}
    </tbody>
    <tfoot><tr><th scope="row">total</th><td class="num">{{ total }}</td>
      <td class="num"></td></tr></tfoot>
  </table>
</section>

<section aria-labelledby="trend-heading">
  <h2 id="trend-heading">Trend over the last {{ trend.columns | length }}
    run{{ "" if trend.columns | length == 1 else "s" }}</h2>
  <figure>
    <svg id="trend-chart" role="img" aria-labelledby="trend-chart-title"
         aria-describedby="trend-chart-desc"
         width="{{ trend.width }}" height="{{ trend.height }}"
         viewBox="0 0 {{ trend.width }} {{ trend.height }}">
      <title id="trend-chart-title">Rows per outcome in each of the last runs</title>
      <desc id="trend-chart-desc">{{ trend.description }}</desc>
      <line x1="{{ trend.left }}" y1="{{ trend.base }}" x2="{{ trend.width - 8 }}"
            y2="{{ trend.base }}" stroke="#555"></line>
      <text x="{{ trend.left - 6 }}" y="{{ trend.top + 4 }}"
            text-anchor="end">{{ trend.max_total }}</text>
      <text x="{{ trend.left - 6 }}" y="{{ trend.base }}" text-anchor="end">0</text>
      {% for column in trend.columns %}
      <g class="run{{ ' current' if column.current else '' }}" data-run-id="{{ column.run_id }}"
         data-total="{{ column.total }}">
        {% for segment in column.segments %}
        <rect class="segment" data-outcome="{{ segment.outcome }}"
              data-count="{{ segment.count }}" x="{{ column.x }}" y="{{ segment.y }}"
              width="{{ trend.bar_width }}" height="{{ segment.height }}"
              fill="{{ segment.color }}"></rect>
        {% endfor %}
        {% if column.current %}
        <text x="{{ column.x + trend.bar_width / 2 }}" y="{{ trend.base + 14 }}"
              text-anchor="middle">this run</text>
        {% endif %}
      </g>
      {% endfor %}
    </svg>
  </figure>
  <p class="note">Legend:
    {% for item in legend %}<span class="swatch" style="background: {{ item.color }}"
      aria-hidden="true"></span>{{ item.outcome }}{{ ", " if not loop.last else "" }}{% endfor %}
  </p>
  <table id="trend-table">
    <caption>Rows per outcome in each run (the trend chart's data)</caption>
    <thead><tr><th scope="col">Started (UTC)</th><th scope="col">Run</th>
      <th scope="col">Complete</th>
      {% for item in legend %}<th scope="col" class="num">{{ item.outcome }}</th>{% endfor %}
      <th scope="col" class="num">total</th></tr></thead>
    <tbody>
    {% for column in trend.columns %}
      <tr data-run-id="{{ column.run_id }}"><td class="when">{{ column.started }}</td>
        <th scope="row">{{ column.run_id }}{{ " (this run)" if column.current else "" }}</th>
        <td>{{ "yes" if column.complete else "no" }}</td>
        {% for item in legend %}<td class="num">{{ column.counts[item.outcome] }}</td>{% endfor %}
        <td class="num">{{ column.total }}</td></tr>
    {% endfor %}
    </tbody>
  </table>
</section>

<section aria-labelledby="problems-heading">
  <h2 id="problems-heading">Rows that need attention</h2>
  {% if problems %}
  <table id="problem-table">
    <caption>{{ problem_total }} row{{ "" if problem_total == 1 else "s" }} invalid, rejected,
      failed, held or in conflict{% if problem_total > problems | length %}; the first
      {{ problems | length }} are shown, the workbook lists all{% endif %}</caption>
    <thead><tr>{% for name in columns %}<th scope="col">{{ name }}</th>{% endfor %}</tr></thead>
    <tbody>
    {% for row in problems %}
      <tr data-outcome="{{ row[2] }}">{% for value in row %}<td
        {%- if loop.index0 == 7 %} class="error"{% endif %}>
        {{- "" if value is none else value }}</td>{% endfor %}</tr>
    {% endfor %}
    </tbody>
  </table>
  {% else %}
  <p id="no-problems">None: every row was created, updated, unchanged, filtered or a duplicate.</p>
  {% endif %}
</section>

<section aria-labelledby="provenance-heading">
  <h2 id="provenance-heading">Provenance</h2>
  <dl class="provenance">
  {% for label, value in provenance %}
    <dt>{{ label }}</dt><dd>{{ value }}</dd>
  {% endfor %}
  </dl>
</section>
</main>
</body>
</html>
"""
