// Loading translated programs into the kernel (the verifier checks them) and the Executable (engine "ebpf") that
// runs one execution per BPF_PROG_TEST_RUN: encode the view into the mmapped arena, run with the execution state as
// context, decode registers, generator, steps, end cause and the effect log.
#include <bpf/bpf.h>
#include <linux/bpf.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <mutex>

#include "internal.hpp"

namespace progmp::ebpf {
namespace {

thread_local std::string g_last_stats;

int load_program(const std::vector<Insn>& insns, std::string* log, std::uint32_t log_level) {
  bpf_prog_load_opts opts;
  std::memset(&opts, 0, sizeof opts);
  opts.sz = sizeof opts;
  opts.prog_flags = BPF_F_SLEEPABLE;
  if (log && log_level) {
    opts.log_buf = log->data();
    opts.log_size = static_cast<std::uint32_t>(log->size());
    opts.log_level = log_level;
  }
  static_assert(sizeof(Insn) == sizeof(bpf_insn));
  return bpf_prog_load(BPF_PROG_TYPE_SYSCALL, "progmp", "GPL", reinterpret_cast<const bpf_insn*>(insns.data()),
                       insns.size(), &opts);
}

std::string trim_log(std::string log) {
  const std::size_t end = log.find('\0');
  if (end != std::string::npos) log.resize(end);
  return log;
}

class EbpfExecutable final : public Executable {
 public:
  EbpfExecutable(std::shared_ptr<const ir::Module> m, Layout layout, int prog_fd, int map_fd, std::uint8_t* arena,
                 std::size_t arena_bytes)
      : m_(std::move(m)), layout_(layout), prog_fd_(prog_fd), map_fd_(map_fd), arena_(arena),
        arena_bytes_(arena_bytes) {}
  ~EbpfExecutable() override {
    if (arena_) munmap(arena_, arena_bytes_);
    if (prog_fd_ >= 0) close(prog_fd_);
    if (map_fd_ >= 0) close(map_fd_);
  }

  std::string_view engine_name() const override { return "ebpf"; }

  void prepare(const SchedulerView&, ExecScratch&) const override {}

  ExecResult run(const SchedulerView& view, ExecState& state, EffectLog& log) const override {
    ExecResult r;
    r.end = EndCause::Unsupported;
    std::lock_guard<std::mutex> lock(mu_);
    if (!encode_view(layout_, view, arena_, table_)) return r;
    Context ctx;
    for (int i = 0; i < 6; ++i) ctx.registers[i] = state.registers[static_cast<std::size_t>(i)];
    ctx.rng = state.rng;
    ctx.allowance = state.allowance;
    ctx.steps_left = 0;
    bpf_test_run_opts opts;
    std::memset(&opts, 0, sizeof opts);
    opts.sz = sizeof opts;
    opts.ctx_in = &ctx;
    opts.ctx_size_in = sizeof ctx;
    if (bpf_prog_test_run_opts(prog_fd_, &opts) != 0) return r;
    const auto end = static_cast<EndCause>(opts.retval);
    if (end == EndCause::Unsupported || opts.retval > static_cast<std::uint32_t>(EndCause::Unsupported)) return r;
    if (!decode_log(layout_, arena_, table_, log)) return r;
    for (int i = 0; i < 6; ++i) state.registers[static_cast<std::size_t>(i)] = ctx.registers[i];
    state.rng = ctx.rng;
    r.end = end;
    r.steps = end == EndCause::StepLimit ? state.allowance + 1 : state.allowance - ctx.steps_left;
    std::uint64_t suppressed;
    std::memcpy(&suppressed, arena_ + arena::kSuppressed, sizeof suppressed);
    r.prints_suppressed = static_cast<std::uint32_t>(suppressed);
    return r;
  }

 private:
  std::shared_ptr<const ir::Module> m_;
  Layout layout_;
  int prog_fd_ = -1;
  int map_fd_ = -1;
  std::uint8_t* arena_ = nullptr;
  std::size_t arena_bytes_ = 0;
  mutable std::mutex mu_;
  mutable const PacketMeta* table_[Capacities::kPacketTable] = {};
};

}  // namespace

bool available(std::string& why) {
  static const std::pair<bool, std::string> cached = [] {
    const std::vector<Insn> insns = {Insn{static_cast<std::uint8_t>(op::ALU64 | op::MOV | op::K), 0, 0, 0, 0},
                                     Insn{static_cast<std::uint8_t>(op::JMP | op::EXIT), 0, 0, 0, 0}};
    const int fd = load_program(insns, nullptr, 0);
    if (fd < 0) {
      return std::make_pair(false, std::string("cannot load a BPF_PROG_TYPE_SYSCALL program: ") + std::strerror(errno) +
                                       " (needs CAP_BPF/root and a kernel with sleepable syscall programs)");
    }
    bpf_test_run_opts opts;
    std::memset(&opts, 0, sizeof opts);
    opts.sz = sizeof opts;
    const int err = bpf_prog_test_run_opts(fd, &opts);
    const int saved = errno;
    close(fd);
    if (err != 0) return std::make_pair(false, std::string("BPF_PROG_TEST_RUN failed: ") + std::strerror(saved));
    return std::make_pair(true, std::string());
  }();
  why = cached.second;
  return cached.first;
}

std::string last_verifier_stats() { return g_last_stats; }

std::unique_ptr<Executable> load(std::shared_ptr<const ir::Module> module, std::string& error,
                                 std::string* verifier_log) {
  Bytecode code;
  if (!translate(*module, code, error)) return nullptr;
  const Layout layout = Layout::of(static_cast<std::uint32_t>(module->slots.size()), module->n_loops,
                                   module->n_regions);
  if (layout.total != code.arena_bytes) {
    error = "arena layout mismatch";
    return nullptr;
  }
  bpf_map_create_opts mopts;
  std::memset(&mopts, 0, sizeof mopts);
  mopts.sz = sizeof mopts;
  mopts.map_flags = BPF_F_MMAPABLE;
  const int map_fd = bpf_map_create(BPF_MAP_TYPE_ARRAY, "progmp_arena", 4, code.arena_bytes, 1, &mopts);
  if (map_fd < 0) {
    error = std::string("cannot create the arena map: ") + std::strerror(errno);
    return nullptr;
  }
  void* mem = mmap(nullptr, code.arena_bytes, PROT_READ | PROT_WRITE, MAP_SHARED, map_fd, 0);
  if (mem == MAP_FAILED) {
    error = std::string("cannot map the arena: ") + std::strerror(errno);
    close(map_fd);
    return nullptr;
  }
  for (std::uint32_t at : code.map_value_loads) code.insns[at].imm = map_fd;

  std::string stats(4096, '\0');
  int fd = load_program(code.insns, &stats, 4 /* BPF_LOG_STATS */);
  if (fd < 0) {
    const int saved = errno;
    std::string log(8u << 20, '\0');
    fd = load_program(code.insns, &log, 1);
    if (fd >= 0) {  // accepted with the full log (should not happen): keep it
      g_last_stats = trim_log(stats);
    } else {
      log = trim_log(std::move(log));
      // The verifier's message is the last non-empty lines of the log.
      std::string tail = log.size() > 600 ? log.substr(log.size() - 600) : log;
      error = std::string("the verifier rejected the program (") + std::strerror(saved) + "): " + tail;
      if (verifier_log) *verifier_log = std::move(log);
      munmap(mem, code.arena_bytes);
      close(map_fd);
      return nullptr;
    }
  } else {
    g_last_stats = trim_log(stats);
  }
  return std::make_unique<EbpfExecutable>(std::move(module), layout, fd, map_fd, static_cast<std::uint8_t*>(mem),
                                          code.arena_bytes);
}

}  // namespace progmp::ebpf
