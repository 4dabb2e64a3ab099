#include "reports/flame_graph.h"

#include <algorithm>
#include <cstdio>
#include <map>
#include <memory>
#include <sstream>

#include "reports/frames.h"
#include "reports/text.h"

namespace plateau::reports {
namespace {

struct Node {
  std::string name;
  double bytes = 0;
  bool project = false;
  std::map<std::string, std::unique_ptr<Node>> children;
};

std::string lower(std::string_view text) {
  std::string out(text);
  for (char& c : out) c = static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
  return out;
}

std::string px(double value) {
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%.1f", value);
  return buffer;
}

// Warm colours for the project's frames, cool grey-blue for the rest; the
// shade varies with the name so neighbours differ but a render is stable.
std::string colour_for(const Node& node) {
  unsigned hash = 2166136261u;
  for (char c : node.name) hash = (hash ^ static_cast<unsigned char>(c)) * 16777619u;
  const int shade = static_cast<int>(hash % 40);
  char buffer[16];
  if (node.project) {
    std::snprintf(buffer, sizeof buffer, "#%02x%02x%02x", 235, 120 + shade, 60 + shade / 2);
  } else {
    std::snprintf(buffer, sizeof buffer, "#%02x%02x%02x", 170 + shade / 2, 185 + shade / 2, 205 + shade / 2);
  }
  return buffer;
}

struct Layout {
  const FlameGraphStyle& style;
  double total = 0;
  double scale = 0;  // px per byte
  int next_id = 0;
  std::ostringstream out;

  void draw(const Node& node, double x, int depth, int parent_id) {
    const double width = node.bytes * scale;
    if (width < style.min_box_px) return;
    const int id = next_id++;
    const double y = depth * style.row_px;
    const FrameText frame = parse_frame(node.name);
    const std::string label = depth == 0 ? node.name : short_frame_name(frame);
    std::string title = (depth == 0 ? node.name : frame.full) + "\n" + format_bytes(node.bytes) + " (" +
                        format_percent(total > 0 ? node.bytes / total : 0) + " of growth)";
    if (depth + 1 == style.max_depth && !node.children.empty()) title += "\n(deeper frames not drawn)";
    out << "<g data-id=\"" << id << "\" data-p=\"" << parent_id << "\" data-b=\"" << px(node.bytes) << "\" data-n=\""
        << xml_escape(lower(depth == 0 ? std::string() : frame.full)) << "\"><title>" << xml_escape(title)
        << "</title><rect x=\"" << px(x) << "\" y=\"" << px(y) << "\" width=\"" << px(std::max(width - 1, 0.5))
        << "\" height=\"" << (style.row_px - 1) << "\" rx=\"2\" fill=\"" << (depth == 0 ? "#d9d9de" : colour_for(node))
        << "\"/>";
    // About 6.5 px per character at 11 px.
    const auto fits = static_cast<std::size_t>(std::max(0.0, (width - 6) / 6.5));
    if (fits >= 3) {
      std::string text = label.size() <= fits ? label : label.substr(0, fits - 1) + "…";
      out << "<text x=\"" << px(x + 3) << "\" y=\"" << px(y + style.row_px - 5) << "\">" << xml_escape(text)
          << "</text>";
    }
    out << "</g>\n";
    if (depth + 1 >= style.max_depth) return;
    std::vector<const Node*> order;
    for (const auto& [name, child] : node.children) order.push_back(child.get());
    std::stable_sort(order.begin(), order.end(), [](const Node* a, const Node* b) { return a->bytes > b->bytes; });
    double child_x = x;
    for (const Node* child : order) {
      draw(*child, child_x, depth + 1, id);
      child_x += child->bytes * scale;
    }
  }
};

int depth_of(const Node& node) {
  int deepest = 0;
  for (const auto& [name, child] : node.children) deepest = std::max(deepest, depth_of(*child));
  return deepest + 1;
}

}  // namespace

std::string render_flame_graph(const std::vector<FlameStack>& stacks, const FlameGraphStyle& style) {
  Node root;
  root.name = style.root_label;
  for (const FlameStack& stack : stacks) {
    if (!(stack.bytes > 0)) continue;
    root.bytes += stack.bytes;
    Node* node = &root;
    for (const std::string& frame : stack.frames) {
      std::unique_ptr<Node>& child = node->children[frame];
      if (!child) {
        child = std::make_unique<Node>();
        child->name = frame;
        child->project = parse_frame(frame).kind == FrameKind::project;
      }
      child->bytes += stack.bytes;
      node = child.get();
    }
  }
  if (!(root.bytes > 0)) return "";
  root.name += " · " + format_bytes(root.bytes);
  Layout layout{style};
  layout.total = root.bytes;
  layout.scale = style.width_px / root.bytes;
  layout.draw(root, 0, 0, -1);
  const int rows = std::min(depth_of(root), style.max_depth);
  std::ostringstream svg;
  svg << "<svg class=\"flame\" width=\"" << style.width_px << "\" height=\"" << rows * style.row_px
      << "\" viewBox=\"0 0 " << style.width_px << " " << rows * style.row_px << "\" role=\"img\">\n"
      << layout.out.str() << "</svg>";
  return svg.str();
}

std::vector<FlameStack> flame_stacks_from(const HeapProfile& heap) {
  std::vector<FlameStack> stacks;
  for (const HeapSite& site : heap.top_sites) {
    if (site.bytes_added <= 0) continue;
    FlameStack stack;
    stack.bytes = static_cast<double>(site.bytes_added);
    for (auto it = site.stack.rbegin(); it != site.stack.rend(); ++it) {
      if (parse_frame(*it).kind != FrameKind::runtime) stack.frames.push_back(*it);
    }
    if (stack.frames.empty()) stack.frames.push_back(site.our_frame.empty() ? "(unknown)" : site.our_frame);
    stacks.push_back(std::move(stack));
  }
  return stacks;
}

std::string flame_search_box() {
  return "<p class=\"flame-search\"><label>Search functions: <input type=\"search\" id=\"flame-q\" "
         "placeholder=\"e.g. AutoExecutor\" oninput=\"plateauFlameSearch(this.value)\"></label> "
         "<span id=\"flame-hits\" class=\"muted\"></span></p>\n";
}

std::string flame_search_script() {
  // Matches lower-cased full names; sums the bytes of matching boxes with no
  // matching ancestor (boxes come parent first), so nested matches count once.
  return R"js(<script>
function plateauFlameSearch(q){
  q=q.trim().toLowerCase();
  var total=0,hit=0,svgs=document.querySelectorAll('svg.flame');
  svgs.forEach(function(svg){
    var boxes=svg.querySelectorAll('g[data-id]'),matched={};
    boxes.forEach(function(g){
      if(g.getAttribute('data-p')==='-1'){total+=parseFloat(g.getAttribute('data-b'));}
      var m=q!==''&&g.getAttribute('data-n').indexOf(q)>=0;
      g.classList.toggle('hit',m);g.classList.toggle('dim',q!==''&&!m);
      var up=matched[g.getAttribute('data-p')]===true;
      if(m&&!up){hit+=parseFloat(g.getAttribute('data-b'));}
      matched[g.getAttribute('data-id')]=m||up;
    });
  });
  document.getElementById('flame-hits').textContent=q===''?'':(total>0?(100*hit/total).toFixed(1):'0')+'% of growth matches';
}
</script>
)js";
}

}  // namespace plateau::reports
