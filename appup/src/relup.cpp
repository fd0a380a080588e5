// The relup planner: systools_relup (which scripts) and systools_rc (how they are translated).
#include "otp/relup.hpp"

#include <algorithm>
#include <functional>
#include <numeric>
#include <set>
#include <unordered_map>

#include "otp/term_text.hpp"
#include "otp/version_order.hpp"
#include "term_helpers.hpp"

namespace otp::appup {

namespace {

using detail::atom_term;
using detail::atoms_term;
using detail::overloaded;

std::string atom_text(atom m) { return term(m).to_string(); }

std::string atoms_text(const std::vector<atom>& mods) { return atoms_term(mods).to_string(); }

[[noreturn]] void fail(const std::string& message, term reason) { throw relup_error(message, std::move(reason)); }

const planned_app* find_app(const std::vector<planned_app>& apps, atom name) {
  for (const auto& app : apps)
    if (app.name == name) return &app;
  return nullptr;
}

bool contains(const std::vector<atom>& mods, atom m) { return std::find(mods.begin(), mods.end(), m) != mods.end(); }

const low_instruction* as_low(const instruction& i) { return std::get_if<low_instruction>(&i); }

template <class T>
bool is_low(const instruction& i) {
  const auto* low = as_low(i);
  return low && std::holds_alternative<T>(*low);
}

// --- step 1: one point_of_no_return, load_object_code before it ---------------------------------

struct split_result {
  std::vector<low_instruction> before;  // load_object_code and apply only
  std::vector<instruction> after;
};

// systools_rc:split_script for one script, appended to `out`.
void split_into(const std::vector<instruction>& script, split_result& out) {
  std::size_t ponr = script.size();
  for (std::size_t i = 0; i < script.size(); ++i) {
    if (!is_low<point_of_no_return>(script[i])) continue;
    if (ponr != script.size()) fail("more than one point_of_no_return", atom_term("too_many_point_of_no_return"));
    ponr = i;
  }
  std::size_t first_after = 0;  // without a point_of_no_return everything comes after it
  if (ponr != script.size()) {
    for (std::size_t i = 0; i < ponr; ++i) {
      const auto* low = as_low(script[i]);
      if (!low || !(std::holds_alternative<load_object_code>(*low) || std::holds_alternative<apply>(*low)))
        fail("only load_object_code and apply may come before point_of_no_return, not " + format(script[i]),
             tuple(atom_term("bad_op_before_point_of_no_return"), to_term(script[i])));
      out.before.push_back(*low);
    }
    first_after = ponr + 1;
  }
  // load_object_code written after it moves before it (after this script's own befores).
  std::vector<low_instruction> found;
  for (std::size_t i = first_after; i < script.size(); ++i) {
    if (is_low<load_object_code>(script[i]))
      found.push_back(*as_low(script[i]));
    else
      out.after.push_back(script[i]);
  }
  out.before.insert(out.before.end(), found.begin(), found.end());
}

// --- step 2: applications into modules ------------------------------------------------------------

std::vector<low_instruction> start_apply(atom app, start_type type) {
  switch (type) {
    case start_type::none: return {};
    case start_type::load: return {apply{atom("application"), atom("load"), {term(app)}}};
    default: return {apply{atom("application"), atom("start"), {term(app), atom_term(to_string(type))}}};
  }
}

std::vector<instruction> translate_application_instrs(const std::vector<instruction>& script,
                                                      const std::vector<planned_app>& to_apps,
                                                      const std::vector<planned_app>& from_apps) {
  std::vector<instruction> out;
  auto push_low = [&out](std::vector<low_instruction> items) {
    for (auto& i : items) out.emplace_back(std::move(i));
  };
  auto removal = [](atom name, const std::vector<atom>& mods) {
    std::vector<low_instruction> r;
    r.emplace_back(apply{atom("application"), atom("stop"), {term(name)}});
    for (atom m : mods) r.emplace_back(remove{m, purge_method::brutal_purge, purge_method::brutal_purge});
    r.emplace_back(purge{mods});
    return r;
  };
  auto no_such = [](atom name) {
    fail("no such application: " + atom_text(name), tuple(atom_term("no_such_application"), name));
  };
  for (const auto& i : script) {
    if (const auto* add = std::get_if<add_application>(&i)) {
      const auto* app = find_app(to_apps, add->app);
      if (!app) no_such(add->app);
      for (atom m : app->modules) out.emplace_back(add_module{m, {}});
      push_low(start_apply(add->app, add->type));
    } else if (const auto* rem = std::get_if<remove_application>(&i)) {
      if (find_app(to_apps, rem->app))
        fail("remove_application " + atom_text(rem->app) + ": the application is still in the target release",
             tuple(atom_term("removed_application_present"), rem->app));
      const auto* app = find_app(from_apps, rem->app);
      if (!app) no_such(rem->app);
      auto r = removal(rem->app, app->modules);
      r.emplace_back(apply{atom("application"), atom("unload"), {term(rem->app)}});
      push_low(std::move(r));
    } else if (const auto* rst = std::get_if<restart_application>(&i)) {
      const auto* pre = find_app(from_apps, rst->app);
      const auto* post = find_app(to_apps, rst->app);
      if (!pre || !post) no_such(rst->app);
      push_low(removal(rst->app, pre->modules));
      for (atom m : post->modules) out.emplace_back(add_module{m, {}});
      push_low(start_apply(rst->app, post->type));
    } else {
      out.push_back(i);
    }
  }
  return out;
}

// --- step 3: the dependency groups ----------------------------------------------------------------

struct dep_node {
  atom module;
  const instruction* instr;  // update, load_module or delete_module
  std::vector<std::size_t> deps;
};

atom dep_module(const instruction& i) {
  if (const auto* u = std::get_if<update>(&i)) return u->module;
  if (const auto* l = std::get_if<load_module>(&i)) return l->module;
  return std::get<delete_module>(i).module;
}

const std::vector<atom>& dep_mods_of(const instruction& i) {
  if (const auto* u = std::get_if<update>(&i)) return u->dep_mods;
  if (const auto* l = std::get_if<load_module>(&i)) return l->dep_mods;
  return std::get<delete_module>(i).dep_mods;
}

bool is_dep_instr(const instruction& i) {
  return std::holds_alternative<update>(i) || std::holds_alternative<load_module>(i) ||
         std::holds_alternative<delete_module>(i);
}

// The nodes of a group in dependency order: strongly connected components of the group,
// topologically sorted with dependers first (an edge M -> D for each D in M's dep_mods), the
// members of a component in input order. Among independent components the one with the earliest
// instruction goes first (systools leaves that order to digraph's internals).
std::vector<std::size_t> dependency_order(const std::vector<dep_node>& nodes, const std::vector<std::size_t>& group) {
  // Tarjan's algorithm over the group (edges never leave a weakly connected group).
  std::unordered_map<std::size_t, int> index, low;
  std::unordered_map<std::size_t, bool> on_stack;
  std::unordered_map<std::size_t, std::size_t> comp_of;
  std::vector<std::size_t> stack;
  std::vector<std::vector<std::size_t>> comps;
  int counter = 0;
  std::function<void(std::size_t)> strong = [&](std::size_t v) {
    index[v] = low[v] = counter++;
    stack.push_back(v);
    on_stack[v] = true;
    for (std::size_t w : nodes[v].deps) {
      if (!index.contains(w)) {
        strong(w);
        low[v] = std::min(low[v], low[w]);
      } else if (on_stack[w]) {
        low[v] = std::min(low[v], index[w]);
      }
    }
    if (low[v] == index[v]) {
      std::vector<std::size_t> comp;
      std::size_t w;
      do {
        w = stack.back();
        stack.pop_back();
        on_stack[w] = false;
        comp_of[w] = comps.size();
        comp.push_back(w);
      } while (w != v);
      std::sort(comp.begin(), comp.end());
      comps.push_back(std::move(comp));
    }
  };
  for (std::size_t v : group)
    if (!index.contains(v)) strong(v);

  // Kahn's algorithm on the condensation, earliest component first.
  std::vector<std::set<std::size_t>> succ(comps.size());
  std::vector<int> indegree(comps.size(), 0);
  for (std::size_t v : group)
    for (std::size_t w : nodes[v].deps) {
      std::size_t cv = comp_of[v], cw = comp_of[w];
      if (cv != cw && succ[cv].insert(cw).second) ++indegree[cw];
    }
  auto earlier = [&comps](std::size_t x, std::size_t y) { return comps[x].front() > comps[y].front(); };
  std::vector<std::size_t> ready;
  for (std::size_t c = 0; c < comps.size(); ++c)
    if (indegree[c] == 0) ready.push_back(c);
  std::vector<std::size_t> order;
  while (!ready.empty()) {
    std::sort(ready.begin(), ready.end(), earlier);  // the earliest at the back
    std::size_t c = ready.back();
    ready.pop_back();
    order.insert(order.end(), comps[c].begin(), comps[c].end());
    for (std::size_t d : succ[c])
      if (--indegree[d] == 0) ready.push_back(d);
  }
  return order;
}

// systools_rc:translate_dep_to_low for one group in dependency order.
void translate_group(change_mode mode, const std::vector<const instruction*>& instrs,
                     const std::vector<planned_app>& to_apps, std::vector<low_instruction>& object_code,
                     std::vector<low_instruction>& out) {
  std::vector<suspend_entry> suspended;
  std::vector<std::vector<low_instruction>> load_remove;
  std::vector<code_change_entry> changes, pre_changes, post_changes;
  for (const instruction* i : instrs) {
    if (const auto* u = std::get_if<update>(i)) {
      suspended.push_back({u->module, u->timeout});
      load_remove.push_back({load{u->module, u->pre_purge, u->post_purge}});
      if (u->change.advanced) {
        changes.push_back({u->module, u->change.extra});
        (u->type == mod_type::dynamic ? pre_changes : post_changes).push_back({u->module, u->change.extra});
      }
    } else if (const auto* l = std::get_if<load_module>(i)) {
      load_remove.push_back({load{l->module, l->pre_purge, l->post_purge}});
    } else {
      atom m = std::get<delete_module>(*i).module;
      load_remove.push_back({remove{m, purge_method::brutal_purge, purge_method::brutal_purge}, purge{{m}}});
    }
  }
  // Object code for every load, in dependency order, from the first target application that has it.
  for (const auto& group : load_remove)
    for (const auto& low : group) {
      const auto* l = std::get_if<load>(&low);
      if (!l) continue;
      const planned_app* lib = nullptr;
      for (const auto& app : to_apps)
        if (contains(app.modules, l->module)) {
          lib = &app;
          break;
        }
      if (!lib)
        fail("no application of the target release has module " + atom_text(l->module),
             tuple(atom_term("no_such_module"), l->module));
      object_code.emplace_back(load_object_code{lib->name, lib->vsn, {l->module}});
    }

  if (!suspended.empty()) out.emplace_back(suspend{suspended});
  if (mode == change_mode::up) {
    for (auto it = load_remove.rbegin(); it != load_remove.rend(); ++it) out.insert(out.end(), it->begin(), it->end());
    if (!changes.empty()) out.emplace_back(code_change{change_mode::up, changes});
  } else {
    if (!pre_changes.empty()) out.emplace_back(code_change{change_mode::down, pre_changes});
    for (const auto& group : load_remove) out.insert(out.end(), group.begin(), group.end());
    if (!post_changes.empty()) out.emplace_back(code_change{change_mode::down, post_changes});
  }
  if (!suspended.empty()) {
    std::vector<atom> resumed;
    for (auto it = suspended.rbegin(); it != suspended.rend(); ++it) resumed.push_back(it->module);
    out.emplace_back(resume{resumed});
  }
}

bool is_rolling(const instruction& i) {
  const auto* u = std::get_if<update>(&i);
  return u != nullptr && u->mode == update_mode::rolling;
}

// The rules of a group that holds a rolling update (docs/appup.md, "Rolling updates"): a
// supervisor is never rolled, and every member of the group is a rolling update, so no dep_mods
// edge joins a module migrated process by process to one loaded in OTP's order.
bool check_rolling_group(const std::vector<dep_node>& nodes, const std::vector<std::size_t>& group) {
  bool any = false;
  for (std::size_t v : group) {
    if (!is_rolling(*nodes[v].instr)) continue;
    any = true;
    const auto& u = std::get<update>(*nodes[v].instr);
    if (u.is_supervisor)
      fail("update " + atom_text(u.module) +
               " is a supervisor's: a supervisor is never rolled (its children are found through it)",
           tuple(atom_term("rolling_supervisor"), u.module));
  }
  if (!any) return false;
  for (std::size_t v : group)
    for (std::size_t w : nodes[v].deps) {
      if (is_rolling(*nodes[v].instr) == is_rolling(*nodes[w].instr)) continue;
      const std::size_t rolling_one = is_rolling(*nodes[v].instr) ? v : w;
      const std::size_t other = rolling_one == v ? w : v;
      fail("module " + atom_text(nodes[v].module) + " depends on " + atom_text(nodes[w].module) + ", but " +
               atom_text(nodes[rolling_one].module) + "'s update is rolling and " + atom_text(nodes[other].module) +
               "'s " + std::string(name_of(*nodes[other].instr)) +
               " is not: a dependency group is rolled as a whole or not at all",
           tuple(atom_term("rolling_dependency"), nodes[v].module, nodes[w].module));
    }
  return true;
}

// A group of rolling updates in dependency order (dependers first): one rolling_update with the
// modules in load order — dependencies first on the way up, dependers first on the way down, as
// translate_group loads them.
void translate_rolling_group(change_mode mode, const std::vector<const instruction*>& instrs,
                             const std::vector<planned_app>& to_apps, std::vector<low_instruction>& object_code,
                             std::vector<low_instruction>& out) {
  rolling_update r{mode, {}};
  for (const instruction* i : instrs) {
    const auto& u = std::get<update>(*i);
    r.modules.push_back({u.module, u.type, u.timeout, u.change, u.pre_purge, u.post_purge});
  }
  if (mode == change_mode::up) std::reverse(r.modules.begin(), r.modules.end());
  for (const auto& m : r.modules) {
    const planned_app* lib = nullptr;
    for (const auto& app : to_apps)
      if (contains(app.modules, m.module)) {
        lib = &app;
        break;
      }
    if (!lib)
      fail("no application of the target release has module " + atom_text(m.module),
           tuple(atom_term("no_such_module"), m.module));
    object_code.emplace_back(load_object_code{lib->name, lib->vsn, {m.module}});
  }
  out.emplace_back(std::move(r));
}

std::vector<low_instruction> translate_dependent_instrs(change_mode mode, const std::vector<instruction>& after,
                                                        const std::vector<planned_app>& to_apps,
                                                        std::vector<low_instruction>& object_code) {
  std::vector<dep_node> nodes;
  std::unordered_map<std::uint32_t, std::size_t> node_of;  // atom index -> node
  std::vector<std::size_t> node_at(after.size(), SIZE_MAX);
  for (std::size_t k = 0; k < after.size(); ++k) {
    if (!is_dep_instr(after[k])) continue;
    atom m = dep_module(after[k]);
    if (!node_of.emplace(m.index(), nodes.size()).second)
      fail("module " + atom_text(m) + " has more than one update, load_module, add_module or delete_module",
           tuple(atom_term("muldef_module"), m));
    node_at[k] = nodes.size();
    nodes.push_back({m, &after[k], {}});
  }
  for (auto& n : nodes)
    for (atom d : dep_mods_of(*n.instr)) {
      auto it = node_of.find(d.index());
      if (it == node_of.end())
        fail("module " + atom_text(n.module) + " depends on " + atom_text(d) +
                 ", which no update, load_module, add_module or delete_module of this upgrade mentions",
             tuple(atom_term("undef_module"), d));
      n.deps.push_back(it->second);
    }

  // Weakly connected groups (union-find).
  std::vector<std::size_t> parent(nodes.size());
  std::iota(parent.begin(), parent.end(), 0);
  std::function<std::size_t(std::size_t)> root = [&](std::size_t x) {
    return parent[x] == x ? x : parent[x] = root(parent[x]);
  };
  for (std::size_t v = 0; v < nodes.size(); ++v)
    for (std::size_t w : nodes[v].deps) parent[root(v)] = root(w);

  std::vector<low_instruction> out;
  std::vector<bool> emitted(nodes.size(), false);
  for (std::size_t k = 0; k < after.size(); ++k) {
    if (node_at[k] == SIZE_MAX) {
      out.push_back(std::get<low_instruction>(after[k]));
      continue;
    }
    std::size_t first = node_at[k];
    if (emitted[first]) continue;  // its group was emitted where an earlier member stood
    std::vector<std::size_t> group;
    for (std::size_t v = 0; v < nodes.size(); ++v)
      if (root(v) == root(first)) {
        group.push_back(v);
        emitted[v] = true;
      }
    std::vector<const instruction*> ordered;
    for (std::size_t v : dependency_order(nodes, group)) ordered.push_back(nodes[v].instr);
    if (check_rolling_group(nodes, group))
      translate_rolling_group(mode, ordered, to_apps, object_code, out);
    else
      translate_group(mode, ordered, to_apps, object_code, out);
  }
  return out;
}

// --- step 4: load_object_code merged per application ----------------------------------------------

std::vector<low_instruction> merge_load_object_code(const std::vector<low_instruction>& before) {
  std::vector<load_object_code> found;
  std::vector<low_instruction> rest;
  for (const auto& i : before) {
    if (const auto* loc = std::get_if<load_object_code>(&i))
      found.push_back(*loc);
    else
      rest.push_back(i);
  }
  std::vector<low_instruction> out;
  std::vector<bool> taken(found.size(), false);
  for (std::size_t k = 0; k < found.size(); ++k) {
    if (taken[k]) continue;
    std::vector<atom> all = found[k].modules;
    for (std::size_t j = k + 1; j < found.size(); ++j) {
      if (found[j].app != found[k].app) continue;
      if (found[j].vsn != found[k].vsn)
        fail("conflicting versions of " + atom_text(found[k].app) + ": " + quote_string(found[k].vsn) + " and " +
                 quote_string(found[j].vsn),
             tuple(atom_term("conflicting_versions"), found[k].app, charlist(found[k].vsn), charlist(found[j].vsn)));
      taken[j] = true;
      all.insert(all.end(), found[j].modules.begin(), found[j].modules.end());
    }
    // systools' union/2 keeps the last occurrence of a repeated module.
    std::vector<atom> merged;
    for (std::size_t i = 0; i < all.size(); ++i)
      if (std::find(all.begin() + static_cast<std::ptrdiff_t>(i) + 1, all.end(), all[i]) == all.end())
        merged.push_back(all[i]);
    out.emplace_back(load_object_code{found[k].app, found[k].vsn, merged});
  }
  out.insert(out.end(), rest.begin(), rest.end());
  return out;
}

// --- the relup's scripts --------------------------------------------------------------------------

planned_app planned(const release_app& app, const app_catalog& catalog, bool required) {
  const app_version* v = catalog.find(app.name, app.vsn);
  if (!v && required)
    fail("no module list for application " + atom_text(app.name) + "-" + app.vsn + " (its .app data is missing)",
         tuple(atom_term("no_such_application"), app.name, charlist(app.vsn)));
  return planned_app{app.name, app.vsn, app.type, v ? v->modules : std::vector<atom>{}};
}

std::string entries_text(const std::vector<appup_entry>& entries) {
  std::string out;
  for (const auto& e : entries) out += (out.empty() ? "" : ", ") + e.version.describe();
  return out;
}

relup_script plan(change_mode mode, const release& running, const release& target, const app_catalog& catalog,
                  const plan_options& options) {
  const release& top = mode == change_mode::up ? target : running;  // the newer release
  relup_script result;
  result.mode = mode;
  result.from_vsn = running.vsn;
  result.to_vsn = target.vsn;

  std::vector<std::vector<instruction>> scripts;
  // Applications the target drops, then those it adds (systools_relup: removes ++ adds ++ appups).
  for (const auto& app : running.apps)
    if (!target.find(app.name)) scripts.push_back({remove_application{app.name}});
  for (const auto& app : target.apps)
    if (!running.find(app.name)) scripts.push_back({add_application{app.name, app.type}});

  // The appup script of every application that changes version, in the newer release's order.
  for (const auto& app : top.apps) {
    const release& base = mode == change_mode::up ? running : target;
    const release_app* other = base.find(app.name);
    if (!other || other->vsn == app.vsn) continue;
    const app_version* v = catalog.find(app.name, app.vsn);
    std::string who = atom_text(app.name) + "-" + app.vsn;
    if (!v || !v->appup)
      fail("no appup for " + who + ", needed to go " + (mode == change_mode::up ? "up from " : "down to ") +
               quote_string(other->vsn),
           tuple(atom_term("no_appup"), app.name, charlist(app.vsn)));
    const appup_spec& spec = *v->appup;
    std::string file = spec.source.empty() ? who + " appup" : spec.source;
    if (spec.vsn != app.vsn)
      result.warnings.push_back(file + ": the appup is for version " + quote_string(spec.vsn) + " but " +
                                atom_text(app.name) + " is at " + quote_string(app.vsn));
    const auto& entries = mode == change_mode::up ? spec.up : spec.down;
    const appup_entry* entry = mode == change_mode::up ? spec.find_up(other->vsn) : spec.find_down(other->vsn);
    if (!entry) {
      std::string dir = mode == change_mode::up ? "up-from" : "down-to";
      fail(file + ": no " + dir + " entry of " + who + " matches " + quote_string(other->vsn) +
               (entries.empty() ? "; it has no " + dir + " entries" : "; it accepts " + entries_text(entries)),
           tuple(atom_term("no_relup"), charlist(file), app.name, charlist(other->vsn)));
    }
    scripts.push_back(entry->instructions);
  }
  // Which applications' data the translation needs: those it adds, removes or changes.
  auto needed = [&](const release_app& app, const release& other_rel) {
    const release_app* o = other_rel.find(app.name);
    return !o || o->vsn != app.vsn;
  };
  std::vector<planned_app> to_apps, from_apps;
  for (const auto& app : target.apps) to_apps.push_back(planned(app, catalog, needed(app, running)));
  for (const auto& app : running.apps) from_apps.push_back(planned(app, catalog, needed(app, target)));

  result.instructions = translate_scripts(mode, scripts, to_apps, from_apps, options);
  return result;
}

}  // namespace

// --- public ----------------------------------------------------------------------------------------

const release_app* release::find(atom app) const {
  for (const auto& entry : apps)
    if (entry.name == app) return &entry;
  return nullptr;
}

void app_catalog::add(app_version v) {
  auto key = std::make_pair(v.name.index(), v.vsn);
  versions_.insert_or_assign(std::move(key), std::move(v));
}

const app_version* app_catalog::find(atom app, std::string_view vsn) const {
  auto it = versions_.find(std::make_pair(app.index(), std::string(vsn)));
  return it == versions_.end() ? nullptr : &it->second;
}

term relup_script::to_term() const {
  std::vector<term> items;
  items.reserve(instructions.size());
  for (const auto& i : instructions) items.push_back(appup::to_term(i));
  return term::make_list(std::move(items));
}

std::string relup_script::to_string() const {
  std::string out = "%% relup " + std::string(appup::to_string(mode)) + " from " + quote_string(from_vsn) + " to " +
                    quote_string(to_vsn) + "\n";
  for (const auto& w : warnings) out += "%% warning: " + w + "\n";
  for (const auto& i : instructions) {
    if (const auto* r = std::get_if<rolling_update>(&i)) {
      std::string names;
      for (const auto& m : r->modules) names += (names.empty() ? "" : ", ") + atom_text(m.module);
      out += "%% rolling group: " + names + " (each process migrated on its own while the others serve)\n";
    }
    out += format(i) + "\n";
  }
  return out;
}

relup_script plan_upgrade(const release& running, const release& target, const app_catalog& apps,
                          const plan_options& options) {
  return plan(change_mode::up, running, target, apps, options);
}

relup_script plan_downgrade(const release& running, const release& target, const app_catalog& apps,
                            const plan_options& options) {
  return plan(change_mode::down, running, target, apps, options);
}

relup_script plan_relup(const release& running, const release& target, const app_catalog& apps,
                        const plan_options& options) {
  return version_less(running.vsn, target.vsn) ? plan_upgrade(running, target, apps, options)
                                               : plan_downgrade(running, target, apps, options);
}

std::vector<low_instruction> translate_scripts(change_mode mode, const std::vector<std::vector<instruction>>& scripts,
                                               const std::vector<planned_app>& to_apps,
                                               const std::vector<planned_app>& from_apps, const plan_options& options) {
  split_result merged;
  for (const auto& script : scripts) split_into(script, merged);
  if (options.restart_emulator) merged.after.emplace_back(low_instruction{restart_emulator{}});

  auto after1 = translate_application_instrs(merged.after, to_apps, from_apps);
  for (auto& i : after1)  // add_module is a load_module with brutal purges: the module is new
    if (const auto* add = std::get_if<add_module>(&i))
      i = load_module{add->module, purge_method::brutal_purge, purge_method::brutal_purge, add->dep_mods};

  std::vector<low_instruction> object_code;
  auto after = translate_dependent_instrs(mode, after1, to_apps, object_code);
  auto before = merged.before;
  before.insert(before.end(), object_code.begin(), object_code.end());
  before = merge_load_object_code(before);

  // restart_new_emulator first on the way up, a trailing restart_emulator on the way down; every
  // restart_emulator collapses into one at the end.
  auto drop = [&after]<class T>(std::type_identity<T>) {
    auto n = after.size();
    std::erase_if(after, [](const low_instruction& i) { return std::holds_alternative<T>(i); });
    return n != after.size();
  };
  if (drop(std::type_identity<restart_new_emulator>{})) {
    if (mode == change_mode::up)
      before.insert(before.begin(), restart_new_emulator{});
    else
      after.emplace_back(restart_emulator{});
  }
  if (drop(std::type_identity<restart_emulator>{})) after.emplace_back(restart_emulator{});

  std::vector<low_instruction> script = std::move(before);
  script.emplace_back(point_of_no_return{});
  script.insert(script.end(), after.begin(), after.end());
  check_script(script);
  return script;
}

// --- checks -----------------------------------------------------------------------------------------

void check_script(const std::vector<low_instruction>& script) {
  std::size_t ponr = script.size();
  for (std::size_t i = 0; i < script.size(); ++i) {
    if (!std::holds_alternative<point_of_no_return>(script[i])) continue;
    if (ponr != script.size()) fail("more than one point_of_no_return", atom_term("too_many_point_of_no_return"));
    ponr = i;
  }
  std::vector<atom> object_code, suspended, resumed, changed, stopped, started, loaded, rolled, removed;
  auto once = [](std::vector<atom>& seen, atom m, const char* what) {
    if (contains(seen, m))
      fail("module " + atom_text(m) + " " + what + " more than once", tuple(atom_term("muldef_module"), m));
    seen.push_back(m);
  };
  for (std::size_t i = 0; i < script.size(); ++i) {
    const auto& instr = script[i];
    bool before = ponr != script.size() && i < ponr;
    if (before && !std::holds_alternative<load_object_code>(instr) && !std::holds_alternative<apply>(instr) &&
        !(i == 0 && std::holds_alternative<restart_new_emulator>(instr)))
      fail("only load_object_code and apply may come before point_of_no_return, not " + format(instr),
           tuple(atom_term("bad_op_before_point_of_no_return"), to_term(instr)));
    if (!before && std::holds_alternative<load_object_code>(instr))
      fail(format(instr) + " must come before point_of_no_return",
           tuple(atom_term("bad_op_after_point_of_no_return"), to_term(instr)));
    if (std::holds_alternative<restart_new_emulator>(instr) && i != 0)
      fail("restart_new_emulator must be the first instruction", tuple(atom_term("bad_position"), to_term(instr)));
    if (std::holds_alternative<restart_emulator>(instr) && i + 1 != script.size())
      fail("restart_emulator must be the last instruction", tuple(atom_term("bad_position"), to_term(instr)));
    std::visit(overloaded{
                   [&](const load_object_code& x) {
                     for (atom m : x.modules) once(object_code, m, "has object code loaded");
                   },
                   [&](const load& x) {
                     if (!contains(object_code, x.module))
                       fail("no load_object_code before point_of_no_return for module " + atom_text(x.module),
                            tuple(atom_term("no_object_code"), x.module));
                     once(loaded, x.module, "is loaded");
                   },
                   [&](const suspend& x) {
                     for (const auto& e : x.modules) once(suspended, e.module, "is suspended");
                   },
                   [&](const resume& x) {
                     for (atom m : x.modules) resumed.push_back(m);
                   },
                   [&](const code_change& x) {
                     for (const auto& e : x.modules) changed.push_back(e.module);
                   },
                   [&](const stop& x) { stopped.insert(stopped.end(), x.modules.begin(), x.modules.end()); },
                   [&](const remove& x) { removed.push_back(x.module); },
                   [&](const rolling_update& x) {
                     if (x.modules.empty())
                       fail("a rolling_update must name at least one module",
                            tuple(atom_term("empty_rolling_update"), to_term(instr)));
                     for (const auto& m : x.modules) {
                       if (!contains(object_code, m.module))
                         fail("no load_object_code before point_of_no_return for module " + atom_text(m.module),
                              tuple(atom_term("no_object_code"), m.module));
                       once(loaded, m.module, "is loaded");
                       rolled.push_back(m.module);
                     }
                   },
                   [&](const start& x) { started.insert(started.end(), x.modules.begin(), x.modules.end()); },
                   [](const auto&) {},
               },
               instr);
  }
  auto difference = [](const std::vector<atom>& x, const std::vector<atom>& y) {
    std::vector<atom> d;
    for (atom m : x)
      if (!contains(y, m) && !contains(d, m)) d.push_back(m);
    return d;
  };
  auto require_empty = [](const std::vector<atom>& d, const char* what, const char* reason) {
    if (!d.empty()) fail(std::string(what) + ": " + atoms_text(d), tuple(atom_term(reason), atoms_term(d)));
  };
  require_empty(difference(suspended, resumed), "suspended but not resumed", "suspended_not_resumed");
  require_empty(difference(resumed, suspended), "resumed but not suspended", "resumed_not_suspended");
  require_empty(difference(changed, suspended), "code_change for modules not suspended", "code_change_not_suspended");
  require_empty(difference(started, stopped), "started but not stopped", "start_not_stop");
  require_empty(difference(stopped, started), "stopped but not started", "stop_not_start");
  // A module rolled process by process is not also suspended, migrated in OTP's order, stopped or
  // removed by the same script.
  auto intersection = [](const std::vector<atom>& x, const std::vector<atom>& y) {
    std::vector<atom> both;
    for (atom m : x)
      if (contains(y, m) && !contains(both, m)) both.push_back(m);
    return both;
  };
  std::vector<atom> handled_otherwise = suspended;
  for (const auto* more : {&changed, &stopped, &removed})
    handled_otherwise.insert(handled_otherwise.end(), more->begin(), more->end());
  require_empty(intersection(rolled, handled_otherwise),
                "rolled modules also suspended, code-changed, stopped or removed by the script", "rolling_conflict");
}

}  // namespace otp::appup
