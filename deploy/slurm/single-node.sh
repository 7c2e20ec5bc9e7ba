#!/usr/bin/env bash
# Starts a single-node Slurm cluster on this machine (slurmctld and slurmd, with munge), for the
# tests and for trying deploy/slurm/explain-array.sbatch without a cluster. Idempotent: does nothing
# when sinfo already answers. Needs root and Debian's slurm-wlm and munge (.ci/run installs them);
# works without systemd (daemons started directly), as in a container.
# Usage: deploy/slurm/single-node.sh [start|stop]
set -euo pipefail
action=${1:-start}
conf=/etc/slurm/slurm.conf

if [ "$action" = stop ]; then
  pkill -x slurmd 2>/dev/null || true
  pkill -x slurmctld 2>/dev/null || true
  exit 0
fi

if sinfo -h >/dev/null 2>&1 && [ "$(sinfo -h -o %T 2>/dev/null | head -n1)" = idle ] ; then
  exit 0
fi
for tool in slurmctld slurmd munged sbatch; do
  command -v "$tool" >/dev/null 2>&1 || { echo "single-node.sh: $tool is missing: apt-get install slurm-wlm munge" >&2; exit 1; }
done

# munge: a key of its own (the package makes one), daemon run as the munge user.
if ! pgrep -x munged >/dev/null; then
  mkdir -p /run/munge /var/log/munge /var/lib/munge
  chown munge:munge /run/munge /var/log/munge /var/lib/munge /etc/munge
  [ -s /etc/munge/munge.key ] || { dd if=/dev/urandom of=/etc/munge/munge.key bs=1 count=1024 status=none; chown munge:munge /etc/munge/munge.key; chmod 400 /etc/munge/munge.key; }
  su -s /bin/sh munge -c /usr/sbin/munged
fi

# One node, this machine, as slurmd sees it; processes tracked without cgroups (no systemd here).
node=$(hostname -s)
hardware=$(slurmd -C | head -n1 | sed -E 's/^NodeName=[^ ]+ //; s/ ?Boards=[^ ]+//; s/RealMemory=([0-9]+)/RealMemory=\1/')
mkdir -p /etc/slurm /var/spool/slurmctld /var/spool/slurmd /var/log/slurm /run/slurm
cat > "$conf" <<CONF
# Written by deploy/slurm/single-node.sh: a single-node cluster for tests.
ClusterName=krypton
SlurmctldHost=$node
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
SchedulerType=sched/backfill
ReturnToService=2
StateSaveLocation=/var/spool/slurmctld
SlurmdSpoolDir=/var/spool/slurmd
SlurmctldPidFile=/run/slurm/slurmctld.pid
SlurmdPidFile=/run/slurm/slurmd.pid
SlurmctldLogFile=/var/log/slurm/slurmctld.log
SlurmdLogFile=/var/log/slurm/slurmd.log
JobCompType=jobcomp/none
AccountingStorageType=accounting_storage/none
MpiDefault=none
SlurmctldTimeout=30
SlurmdTimeout=30
InactiveLimit=0
MinJobAge=300
KillWait=5
NodeName=$node $hardware State=UNKNOWN
PartitionName=debug Nodes=$node Default=YES MaxTime=INFINITE State=UP OverSubscribe=NO
CONF
rm -f /etc/slurm/cgroup.conf   # no cgroups: linuxproc tracks the processes

pgrep -x slurmctld >/dev/null || slurmctld
pgrep -x slurmd >/dev/null || slurmd
for _ in $(seq 60); do
  state=$(sinfo -h -o %T 2>/dev/null | head -n1 || true)
  case "$state" in
    idle|mixed|allocated) exit 0 ;;
    down*|drain*) scontrol update NodeName="$node" State=RESUME >/dev/null 2>&1 || true ;;
  esac
  sleep 0.5
done
echo "single-node.sh: the node did not come up (sinfo: ${state:-no answer}); see /var/log/slurm/" >&2
exit 1
