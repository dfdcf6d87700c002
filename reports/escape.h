// Escaping user-supplied text (scenario names and descriptions, topic names, group and client ids)
// for each output format, so that text always renders as text: a topic named
// `<script>alert(1)</script>` is shown, never run. Every renderer passes such text through here.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace kraftsim::reports {

// HTML text and attribute values: & < > " ' become entities.
std::string escape_html(std::string_view text);
// JSON embedded in an HTML <script> element: additionally < > & become \u003c \u003e \u0026, so
// no "</script>" or "<!--" can end the element early.
std::string escape_json_for_script(std::string_view json);
// Markdown text: HTML entities for & < >, a backslash before Markdown punctuation, and table
// pipes escaped; newlines become spaces (one table cell, one paragraph).
std::string escape_markdown(std::string_view text);
// Mermaid message and note text: Mermaid's entity codes (#lt; #gt; #35; #59; ...) for the
// characters its parser treats specially; newlines become spaces.
std::string escape_mermaid(std::string_view text);

// At most `bytes_max` bytes of `text`, cut before a UTF-8 sequence rather than inside it, with
// "..." appended when something was cut.
std::string truncate_utf8(std::string_view text, std::size_t bytes_max);

}  // namespace kraftsim::reports
