// SPDX-License-Identifier: MIT
// The behaviour matrix (report_matrix.hpp). A row is one operation of one test; a cell
// is that platform's outcome with its native error ("not_socket WSAENOTSOCK(10038)"),
// marked with the observation's verdict when it is not a plain pass (known: a listed
// deviation; fail; unexpected pass). A row differs when two platforms that ran it saw
// different portable outcomes. The HTML page is one file (styles and script inline):
// cells coloured by verdict, an area filter and a "differing rows only" switch.
#include "report_matrix.hpp"

#include "report_load.hpp"

#include <cctype>
#include <fstream>
#include <ostream>
#include <sstream>

namespace closesem::tool {
namespace {

struct Cell {
  std::string text;    // "(not run)" when the platform has no outcome
  std::string status;  // pass, known, fail, unexpected_pass, not_run
};

struct Row {
  std::string area;
  std::string test;
  std::string operation;
  std::vector<Cell> cells;
  bool differs = false;
};

std::vector<Row> rows_of(const std::vector<Report>& reports, const std::string& area) {
  // Tests and operations in the order of the first report that has them.
  std::vector<std::pair<std::string, std::string>> keys;
  std::map<std::pair<std::string, std::string>, bool> seen;
  for (const auto& report : reports) {
    for (const auto& test : report.order) {
      if (!area.empty() && area_of(test) != area) continue;
      for (const auto& entry : report.outcomes.at(test)) {
        const auto key = std::make_pair(test, entry.first);
        if (seen.emplace(key, true).second) keys.push_back(key);
      }
    }
  }
  std::vector<Row> differing, agreeing;
  for (const auto& [test, operation] : keys) {
    Row row{area_of(test), test, operation, {}, false};
    std::set<std::string> first;
    bool have_first = false;
    for (const auto& report : reports) {
      const auto t = report.outcomes.find(test);
      const auto o = t == report.outcomes.end() ? decltype(t->second.end()){} : t->second.find(operation);
      if (t == report.outcomes.end() || o == t->second.end() || o->second.empty()) {
        row.cells.push_back({"(not run)", "not_run"});
        continue;
      }
      row.cells.push_back({describe_outcomes(report, test, operation, o->second), report.statuses.at(test).at(operation)});
      const auto texts = outcome_texts(o->second);
      if (!have_first) {
        first = texts;
        have_first = true;
      } else if (texts != first) {
        row.differs = true;
      }
    }
    (row.differs ? differing : agreeing).push_back(std::move(row));
  }
  differing.insert(differing.end(), agreeing.begin(), agreeing.end());
  return differing;
}

std::string cell_text(const Cell& cell) {
  if (cell.status == "pass" || cell.status == "not_run") return cell.text;
  return cell.text + " (" + (cell.status == "unexpected_pass" ? "unexpected pass" : cell.status) + ")";
}

// Text from a report as literal markdown: reports come from other machines and CI
// artifacts, so nothing in them may become markup (a link, an image, raw HTML, a code span
// it breaks out of, a table cell it splits). Markdown's own punctuation is escaped with a
// backslash, HTML's special characters become entities, line breaks and other control
// characters become spaces.
std::string md_escape(const std::string& text) {
  const auto word = [&text](std::size_t i) {
    return i < text.size() && (std::isalnum(static_cast<unsigned char>(text[i])) != 0);
  };
  std::string out;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    // An underscore inside a word (not_socket) is never emphasis; at a word's edge it may be.
    if (c == '_' && !(i > 0 && word(i - 1) && word(i + 1))) {
      out += "\\_";
      continue;
    }
    switch (c) {
      case '\\': case '`': case '*': case '[': case ']': case '|': case '~': case '!': case '#':
        out += '\\';
        out += c;
        break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '&': out += "&amp;"; break;
      default: out += (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) ? ' ' : c;
    }
  }
  return out;
}

// Text from a report as HTML text or a double- or single-quoted attribute value.
std::string html_escape(const std::string& text) {
  std::string out;
  for (const char c : text) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&#39;"; break;
      default: out += c;
    }
  }
  return out;
}

// A cell's class: one of a fixed set, whatever the report says (the loader admits only
// known statuses, and this does not trust it to).
const char* status_class(const std::string& status) {
  if (status == "pass") return "pass";
  if (status == "known") return "known";
  if (status == "fail") return "fail";
  if (status == "unexpected_pass") return "unexpected_pass";
  return "not_run";
}

void write_markdown(const std::vector<Report>& reports, const std::vector<Row>& rows, std::ostream& out) {
  std::size_t differing = 0;
  for (const auto& row : rows) differing += row.differs ? 1 : 0;
  out << "# Behaviour matrix\n\n" << rows.size() << " operations, " << differing << (differing == 1 ? " differs" : " differ")
      << " between ";
  for (std::size_t i = 0; i < reports.size(); ++i) out << (i ? ", " : "") << md_escape(reports[i].platform);
  out << ". Rows that differ come first (marked *); a cell not a plain pass says its verdict.\n\n";
  out << "| | area | test | operation |";
  for (const auto& report : reports) out << ' ' << md_escape(report.platform) << " |";
  out << "\n|---|---|---|---|";
  for (std::size_t i = 0; i < reports.size(); ++i) out << "---|";
  out << '\n';
  for (const auto& row : rows) {
    out << "| " << (row.differs ? "*" : "") << " | " << md_escape(row.area) << " | " << md_escape(row.test) << " | "
        << md_escape(row.operation) << " |";
    for (const auto& cell : row.cells) out << ' ' << md_escape(cell_text(cell)) << " |";
    out << '\n';
  }
}

// The page's one script. The Content-Security-Policy admits exactly this script by its
// hash, so no script or inline event handler that a crafted report might smuggle into the
// page can run. Change the script and the hash goes with it: tool.report-matrix renders
// the page in Chromium and fails when the script did not run (Chromium's console names
// the hash it wanted); `printf %s "$script" | openssl dgst -sha256 -binary | base64`.
constexpr const char* kScript = R"JS(
(function () {
  const rows = Array.from(document.querySelectorAll('#matrix tbody tr'));
  const area = document.getElementById('area');
  const only = document.getElementById('only-differing');
  const shown = document.getElementById('shown');
  Array.from(new Set(rows.map(r => r.dataset.area))).sort().forEach(a => {
    const option = document.createElement('option');
    option.value = a;
    option.textContent = a;
    area.appendChild(option);
  });
  function apply() {
    let count = 0;
    rows.forEach(r => {
      const visible = (!area.value || r.dataset.area === area.value) && (!only.checked || r.classList.contains('differs'));
      r.classList.toggle('hidden', !visible);
      if (visible) count++;
    });
    shown.textContent = count + ' of ' + rows.length + ' rows shown';
  }
  area.addEventListener('change', apply);
  only.addEventListener('change', apply);
  apply();
  document.body.dataset.ready = 'yes';
})();
)JS";
constexpr const char* kScriptHash = "sha256-OYei1vwsMug846/KN8JPdyZifGpA4VAFF11Udz6RSps=";

void write_html(const std::vector<Report>& reports, const std::vector<Row>& rows, std::ostream& out) {
  out << R"(<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
)";
  out << "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; "
         "script-src '" << kScriptHash << "'; base-uri 'none'; form-action 'none'\">\n";
  out << R"(<title>closesem behaviour matrix</title>
<style>
body { font: 14px/1.4 system-ui, sans-serif; margin: 1.5em; }
table { border-collapse: collapse; }
th, td { border: 1px solid #ccc; padding: 4px 6px; vertical-align: top; text-align: left; }
th { background: #f4f4f4; position: sticky; top: 0; }
td.pass { background: #e7f6e7; } td.known { background: #fff4d6; } td.fail { background: #fbdcdc; }
td.unexpected_pass { background: #f3d9f7; } td.not_run { color: #888; }
tr.differs td.mark::before { content: "\2260"; font-weight: bold; }
.controls { margin: 0.8em 0; } .hidden { display: none; }
</style></head>
<body>
<h1>Behaviour matrix</h1>
<p>)";
  std::size_t differing = 0;
  for (const auto& row : rows) differing += row.differs ? 1 : 0;
  out << rows.size() << " operations, <span id=\"differing\">" << differing << "</span>"
      << (differing == 1 ? " differs" : " differ") << " between ";
  for (std::size_t i = 0; i < reports.size(); ++i) out << (i ? ", " : "") << "<code>" << html_escape(reports[i].platform) << "</code>";
  out << R"(. Rows that differ come first (&ne;). Green: as expected; yellow: a listed deviation (known); red: fail; violet: unexpected pass.</p>
<div class="controls"><label>Area <select id="area"><option value="">all</option></select></label>
<label><input type="checkbox" id="only-differing"> only rows that differ</label>
<span id="shown"></span></div>
<table id="matrix"><thead><tr><th></th><th>area</th><th>test</th><th>operation</th>)";
  for (const auto& report : reports) out << "<th>" << html_escape(report.platform) << "</th>";
  out << "</tr></thead>\n<tbody>\n";
  for (const auto& row : rows) {
    out << "<tr data-area=\"" << html_escape(row.area) << "\"" << (row.differs ? " class=\"differs\"" : "")
        << "><td class=\"mark\"></td><td>" << html_escape(row.area) << "</td><td>" << html_escape(row.test) << "</td><td>"
        << html_escape(row.operation) << "</td>";
    for (const auto& cell : row.cells)
      out << "<td class=\"" << status_class(cell.status) << "\">" << html_escape(cell_text(cell)) << "</td>";
    out << "</tr>\n";
  }
  out << R"(</tbody></table>
)";
  out << "<script>" << kScript << "</script>" << R"(
</body></html>
)";
}

}  // namespace

int report_matrix(const MatrixOptions& options, std::ostream& out, std::ostream& err) {
  std::vector<Report> reports(options.reports.size());
  for (std::size_t i = 0; i < options.reports.size(); ++i)
    if (!load_report(options.reports[i], "closesem report matrix", reports[i], err)) return 2;
  std::vector<const Report*> loaded;
  for (const auto& report : reports) loaded.push_back(&report);
  if (!check_area(loaded, options.area, "closesem report matrix", err)) return 2;
  const auto rows = rows_of(reports, options.area);
  if (options.markdown.empty()) {
    write_markdown(reports, rows, out);
  } else {
    std::ofstream file(options.markdown, std::ios::binary);
    write_markdown(reports, rows, file);
    if (!file) {
      err << "closesem report matrix: could not write " << options.markdown << '\n';
      return 2;
    }
  }
  if (!options.html.empty()) {
    std::ofstream file(options.html, std::ios::binary);
    write_html(reports, rows, file);
    if (!file) {
      err << "closesem report matrix: could not write " << options.html << '\n';
      return 2;
    }
  }
  return 0;
}

}  // namespace closesem::tool
