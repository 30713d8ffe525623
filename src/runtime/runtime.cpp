// The runtime facade (runtime.md §11, §15.3): the registry, the open connections and the API; forwards transport
// callbacks to the connection and runs rounds in poll().
#include "progmp/runtime/runtime.hpp"

#include <cstdio>

#include "connection.hpp"
#include "progmp/exec/aot.hpp"
#include "json_writer.hpp"
#include "progmp/lang/diagnostics.hpp"
#include "shared.hpp"

namespace progmp::runtime {

LogSink stderr_log_sink() {
  return [](std::string_view line) {
    std::fwrite(line.data(), 1, line.size(), stderr);
    std::fputc('\n', stderr);
  };
}

Runtime::Runtime(Transport& transport, RuntimeConfig config, ProgramCompiler compiler)
    : shared_(std::make_unique<RuntimeShared>()), registry_(std::make_unique<Registry>(std::move(compiler))) {
  shared_->transport = &transport;
  shared_->config = config;
  shared_->builtin = registry_->builtin();
  shared_->trace.log = stderr_log_sink();
}

Runtime::~Runtime() {
  for (auto& [id, c] : conns_) c->close();
}

Connection* Runtime::find(ConnId conn) const {
  auto it = conns_.find(conn);
  return it == conns_.end() ? nullptr : it->second.get();
}

bool Runtime::has_connection(ConnId conn) const { return find(conn) != nullptr; }
const Registry& Runtime::registry() const { return *registry_; }

LoadResult Runtime::load_scheduler(std::string_view name, std::string_view source) {
  LoadResult r = registry_->load(name, source);
  trace_load(r);
  return r;
}

LoadResult Runtime::load_scheduler_so(std::string_view name, const std::string& path) {
  std::string error;
  std::shared_ptr<const aot::Library> lib = aot::Library::open(path, error);
  return load_aot_library(name, std::move(lib), std::move(error), path);
}

LoadResult Runtime::register_static_scheduler(std::string_view name, const progmp_compiled* table) {
  std::string error;
  std::shared_ptr<const aot::Library> lib = aot::Library::from_static(table, error);
  return load_aot_library(name, std::move(lib), std::move(error), "the static table");
}

LoadResult Runtime::load_aot_library(std::string_view name, std::shared_ptr<const aot::Library> lib,
                                     std::string error, const std::string& what) {
  if (lib && lib->programs().size() != 1) {
    error = what + " holds " + std::to_string(lib->programs().size()) + " programs, not one";
    lib.reset();
  }
  LoadResult r;
  if (!lib) {
    r.status = Status::BadAbi;
    r.name = std::string(name);
    lang::Diagnostic d;
    d.message = error;
    r.diagnostics.push_back(std::move(d));
  } else {
    const ProgramCompiler with_aot = [&lib](std::string_view source) {
      CompiledCode code = compile_for_interpreter(source);
      if (code.ok) code.accelerated = aot::make_executable(lib, 0);
      return code;
    };
    r = registry_->load(name, lib->programs().front().source, with_aot);
  }
  trace_load(r);
  return r;
}

void Runtime::trace_load(const LoadResult& r) {
  if (shared_->trace.sink) {
    std::string& line = shared_->ws.line;
    line.clear();
    JsonWriter w(line);
    w.begin_object();
    w.field("t_us", driver_time_us_).field("kind", "load").field("name", std::string_view(r.name));
    w.field("version", r.version).field("ok", r.status == Status::Ok);
    w.key("diagnostics").raw(lang::format_diagnostics_json(r.diagnostics, r.name.empty() ? "<input>" : r.name));
    w.end_object();
    shared_->trace.sink->write(line);
  }
}

Status Runtime::unload_scheduler(std::string_view name) { return registry_->unload(name); }
Status Runtime::set_default_scheduler(std::string_view name) { return registry_->set_default(name); }
std::vector<SchedulerInfo> Runtime::list_schedulers() const { return registry_->list(); }

Status Runtime::open_connection(ConnId conn) {
  if (find(conn)) return Status::DuplicateConnection;
  conns_.emplace(conn, std::make_unique<Connection>(*shared_, conn, next_conn_index_++, registry_->default_program()));
  return Status::Ok;
}

Status Runtime::close_connection(ConnId conn) {
  auto it = conns_.find(conn);
  if (it == conns_.end()) return Status::UnknownConnection;
  it->second->close();
  conns_.erase(it);
  return Status::Ok;
}

Status Runtime::on_abort(ConnId conn) { return close_connection(conn); }

Status Runtime::set_scheduler(ConnId conn, std::string_view name) {
  Connection* c = find(conn);
  if (!c) return Status::UnknownConnection;
  ProgramPtr p = registry_->find(name);
  if (!p) return Status::UnknownScheduler;
  c->set_program(std::move(p));
  poll(conn);
  return Status::Ok;
}

SchedulerRef Runtime::get_scheduler(ConnId conn) const {
  const Connection* c = find(conn);
  if (!c) return SchedulerRef{Status::UnknownConnection, {}, 0, false};
  return SchedulerRef{Status::Ok, c->program()->name, c->program()->version, c->fallback_active()};
}

Status Runtime::set_register(ConnId conn, int k, std::int64_t value) {
  Connection* c = find(conn);
  if (!c) return Status::UnknownConnection;
  if (k < 1 || k > 6) return Status::BadRegister;
  c->set_reg(k, value);
  poll(conn);
  return Status::Ok;
}

RegisterValue Runtime::get_register(ConnId conn, int k) const {
  const Connection* c = find(conn);
  if (!c) return {Status::UnknownConnection, 0};
  if (k < 1 || k > 6) return {Status::BadRegister, 0};
  return {Status::Ok, c->reg(k)};
}

SendResult Runtime::send(ConnId conn, std::span<const std::byte> data, SendOptions options) {
  Connection* c = find(conn);
  if (!c) return {Status::UnknownConnection, 0};
  SendResult r = c->send(data.data(), data.size(), options);
  poll(conn);
  return r;
}

SendResult Runtime::send(ConnId conn, std::size_t length, SendOptions options) {
  Connection* c = find(conn);
  if (!c) return {Status::UnknownConnection, 0};
  SendResult r = c->send(nullptr, length, options);
  poll(conn);
  return r;
}

Status Runtime::end_of_flow(ConnId conn) {
  Connection* c = find(conn);
  if (!c) return Status::UnknownConnection;
  Status s = c->end_of_flow();
  poll(conn);
  return s;
}

Status Runtime::connection_stats(ConnId conn, ConnectionStats& out) const {
  const Connection* c = find(conn);
  if (!c) return Status::UnknownConnection;
  c->stats(out);
  return Status::Ok;
}

Status Runtime::scheduler_stats(std::string_view name, std::optional<std::uint32_t> version,
                                SchedulerStats& out) const {
  return registry_->stats(name, version, out);
}

void Runtime::set_profiling(bool on) { shared_->profiling = on; }
bool Runtime::profiling() const { return shared_->profiling; }

Status Runtime::profile(std::string_view name, std::optional<std::uint32_t> version, ProgramProfile& out) const {
  return registry_->profile(name, version, out);
}

std::vector<ProgramProfile> Runtime::profiles() const { return registry_->profiles(); }

Status Runtime::set_engine(ConnId conn, std::string_view engine) {
  Connection* c = find(conn);
  if (!c) return Status::UnknownConnection;
  EngineChoice e;
  if (!parse_engine(engine, e)) return Status::BadEngine;
  c->set_engine(e);
  return Status::Ok;
}

Status Runtime::set_default_engine(std::string_view engine) {
  EngineChoice e;
  if (!parse_engine(engine, e)) return Status::BadEngine;
  shared_->default_engine = e;
  return Status::Ok;
}

void Runtime::set_trace(TraceSink* sink, int level) {
  shared_->trace.sink = sink;
  shared_->trace.level = level < 0 ? 0 : level > kTraceLevelMax ? kTraceLevelMax : level;
}

void Runtime::set_log(LogSink sink) { shared_->trace.log = std::move(sink); }

Status Runtime::on_data_ack(ConnId conn, std::int64_t acked_upto) {
  Connection* c = find(conn);
  if (!c) return Status::UnknownConnection;
  c->on_data_ack(acked_upto);
  return Status::Ok;
}

Status Runtime::on_subflow_ack(ConnId conn, SubflowId subflow, std::uint64_t bytes, bool changed) {
  Connection* c = find(conn);
  if (!c) return Status::UnknownConnection;
  return c->on_subflow_ack(subflow, bytes, changed);
}

Status Runtime::on_send_space(ConnId conn, SubflowId subflow) {
  Connection* c = find(conn);
  if (!c) return Status::UnknownConnection;
  if (subflow != 0 && !c->knows_subflow(subflow)) return Status::UnknownSubflow;
  c->raise(Trigger::SendSpace);
  return Status::Ok;
}

Status Runtime::on_reinject(ConnId conn, std::span<const std::int64_t> seqs, ReinjectCause) {
  Connection* c = find(conn);
  if (!c) return Status::UnknownConnection;
  c->on_reinject(seqs);
  return Status::Ok;
}

Status Runtime::on_subflow_created(ConnId conn, SubflowId subflow) {
  Connection* c = find(conn);
  if (!c) return Status::UnknownConnection;
  return c->on_subflow_created(subflow);
}

Status Runtime::on_subflow_up(ConnId conn, SubflowId subflow) {
  Connection* c = find(conn);
  if (!c) return Status::UnknownConnection;
  return c->on_subflow_up(subflow);
}

Status Runtime::on_subflow_failed(ConnId conn, SubflowId subflow, std::span<const std::int64_t> affected) {
  Connection* c = find(conn);
  if (!c) return Status::UnknownConnection;
  return c->on_subflow_failed(subflow, affected);
}

Status Runtime::on_subflow_removed(ConnId conn, SubflowId subflow, std::span<const std::int64_t> affected) {
  Connection* c = find(conn);
  if (!c) return Status::UnknownConnection;
  return c->on_subflow_removed(subflow, affected);
}

Status Runtime::on_backup_changed(ConnId conn, SubflowId subflow) {
  Connection* c = find(conn);
  if (!c) return Status::UnknownConnection;
  if (!c->knows_subflow(subflow)) return Status::UnknownSubflow;
  c->raise(Trigger::BackupChanged);
  return Status::Ok;
}

Status Runtime::on_timer(ConnId conn) {
  Connection* c = find(conn);
  if (!c) return Status::UnknownConnection;
  c->on_timer();
  return Status::Ok;
}

std::optional<RoundSummary> Runtime::poll(ConnId conn) {
  Connection* c = find(conn);
  if (!c || !c->pending()) return std::nullopt;
  return c->run_round(RoundOptions{});
}

std::optional<RoundSummary> Runtime::poll(ConnId conn, RoundObserver& observer) {
  Connection* c = find(conn);
  if (!c || !c->pending()) return std::nullopt;
  RoundOptions opt;
  opt.observer = &observer;
  return c->run_round(opt);
}

std::size_t Runtime::read_payload(ConnId conn, std::int64_t seq, std::span<std::byte> out) const {
  const Connection* c = find(conn);
  return c ? c->read_payload(seq, out) : 0;
}

bool Runtime::is_pushed(ConnId conn, std::int64_t seq) const {
  const Connection* c = find(conn);
  if (!c) return false;
  const PacketRecord* p = c->packet_at(seq);
  return p && p->meta.pushed;
}

Status Runtime::snapshot(ConnId conn, ConnectionSnapshot& out) const {
  const Connection* c = find(conn);
  if (!c) return Status::UnknownConnection;
  c->snapshot(out);
  return Status::Ok;
}

}  // namespace progmp::runtime
