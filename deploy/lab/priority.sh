# Sourced by deploy/lab/{lab,scenario,campaign}: the lab's processes (agents, watchdogs, VMs, the judge) get the CPU
# before anything else on the machine. A lab host whose heartbeats are late because a build starved it would be the
# machine's fault, not vmha's. `nice` does not do this where the kernel groups tasks per session
# (kernel.sched_autogroup_enabled = 1); a cpu cgroup with the highest weight does. Best effort: without a writable
# cpu controller nothing changes, and the lab then needs the machine to itself.
lab_priority() {
  local v1=/sys/fs/cgroup/cpu/vmha-lab v2=/sys/fs/cgroup/vmha-lab
  if [ -w /sys/fs/cgroup/cpu ] && [ -f /sys/fs/cgroup/cpu/cpu.shares ]; then
    { mkdir -p "$v1" && echo 262144 > "$v1/cpu.shares" && echo $$ > "$v1/cgroup.procs"; } 2>/dev/null || true
  elif grep -qw cpu /sys/fs/cgroup/cgroup.subtree_control 2>/dev/null; then
    { mkdir -p "$v2" && echo 10000 > "$v2/cpu.weight" && echo $$ > "$v2/cgroup.procs"; } 2>/dev/null || true
  fi
}
lab_priority
