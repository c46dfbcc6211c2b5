"""A throwaway single-node SLURM cluster on localhost, for tests/test_slurm.py and for trying the SLURM profile by hand.

Everything lives in one directory: a MariaDB data directory (for slurmdbd, so that ``sacct`` -- the executor
plugin's status query -- works as on a real cluster), a munge key and socket, slurm.conf/slurmdbd.conf with free
TCP ports, state, spool, logs and pid files. Nothing under /etc is touched and no system service is used: the
daemons run in the foreground as children of this process (own session each) and :meth:`LocalSlurm.stop` cancels
every job, stops them in reverse order (SIGTERM, then SIGKILL) and checks that no process of theirs is left.

By hand (Debian: ``apt-get install slurmctld slurmd slurm-client slurmdbd munge mariadb-server``; as root)::

    python tests/slurm_cluster.py up /tmp/slurm      # prints the `export SLURM_CONF=...` line to use
    snakemake --profile profiles/slurm --config preset=smoke
    python tests/slurm_cluster.py down /tmp/slurm
"""

from __future__ import annotations

import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

#: executables the cluster needs (Debian packages slurmctld, slurmd, slurm-client, slurmdbd, munge, mariadb-server)
PROGRAMS = ("slurmctld", "slurmd", "slurmdbd", "sbatch", "srun", "sacct", "sacctmgr", "squeue", "sinfo", "scontrol",
            "scancel", "munged", "mungekey", "mariadbd", "mariadb-install-db", "mariadb")
#: process names that belong to a cluster like this one (checked after stop)
DAEMON_NAMES = ("slurmctld", "slurmscriptd", "slurmd", "slurmdbd", "slurmstepd", "munged", "mariadbd")
CLUSTER = "deeplimits"
PARTITION = "debug"
ACCOUNT = "deeplimits"


class SlurmUnavailable(RuntimeError):
    """SLURM cannot be brought up here; the message says why."""


def missing_programs() -> list[str]:
    return [p for p in PROGRAMS if shutil.which(p) is None]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _processes(names=DAEMON_NAMES) -> dict[int, str]:
    """pid -> name of running processes called one of ``names`` (zombies excluded)."""
    out = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            name = (entry / "comm").read_text().strip()
            state = (entry / "stat").read_text().rsplit(")", 1)[1].split()[0]
        except OSError:
            continue
        if name in names and state != "Z":
            out[int(entry.name)] = name
    return out


def _die_with_parent() -> None:
    """In the child before exec: SIGTERM when the process that started it dies (Linux prctl PR_SET_PDEATHSIG)."""
    import ctypes

    ctypes.CDLL(None).prctl(1, signal.SIGTERM)


def _node_line() -> str:
    """This machine's real CPU layout and memory (``slurmd -C``), as NodeName=localhost."""
    out = subprocess.run(["slurmd", "-C"], capture_output=True, text=True, timeout=30).stdout
    line = next((ln for ln in out.splitlines() if ln.startswith("NodeName=")), None)
    if line is None:
        raise SlurmUnavailable(f"`slurmd -C` printed no NodeName line: {out!r}")
    fields = dict(f.split("=", 1) for f in line.split())
    fields["NodeName"] = "localhost"
    fields["RealMemory"] = str(max(int(fields["RealMemory"]) - 512, 512))  # headroom for the daemons
    return " ".join(f"{k}={v}" for k, v in fields.items()) + " NodeAddr=127.0.0.1 State=UNKNOWN"


def node_resources() -> tuple[int, int]:
    """(CPUs, memory in MB) SLURM may allocate on this node."""
    fields = dict(f.split("=", 1) for f in _node_line().split())
    return int(fields["CPUs"]), int(fields["RealMemory"])


class LocalSlurm:
    """The cluster rooted at ``root``. ``start()`` raises :class:`SlurmUnavailable` with the reason."""

    def __init__(self, root: str | os.PathLike, tied: bool = True):
        self.root = Path(root).resolve()
        self.tied = tied  # daemons get SIGTERM if this process dies without stop() (e.g. a killed test run)
        self.procs: list[tuple[str, subprocess.Popen]] = []
        self.baseline: dict[int, str] = {}

    # ------------------------------------------------------------------ paths and environment
    @property
    def conf(self) -> Path:
        return self.root / "etc" / "slurm.conf"

    @property
    def env(self) -> dict[str, str]:
        """Environment for SLURM clients (sbatch, sacct, snakemake --executor slurm): SLURM_CONF, and the srun
        wrapper first on PATH (see :meth:`_srun_wrapper`)."""
        return {**os.environ, "SLURM_CONF": str(self.conf),
                "PATH": f"{self.root / 'bin'}{os.pathsep}{os.environ.get('PATH', '')}"}

    def _srun_wrapper(self) -> None:
        """The executor's job step runs ``srun`` with every SLURM_* variable removed, SLURM_CONF included (it keeps
        only the job's identity). A real cluster has slurm.conf at the default path (or runs configless); this one
        keeps it in its own directory, so ``bin/srun`` sets SLURM_CONF and runs the real srun."""
        real = shutil.which("srun")
        wrapper = self.root / "bin" / "srun"
        wrapper.write_text(f'#!/bin/sh\nSLURM_CONF={self.conf}\nexport SLURM_CONF\nexec {real} "$@"\n')
        wrapper.chmod(0o755)

    def run(self, *cmd: str, check: bool = True, timeout: float = 60) -> subprocess.CompletedProcess:
        proc = subprocess.run(cmd, capture_output=True, text=True, env=self.env, timeout=timeout)
        if check and proc.returncode:
            raise SlurmUnavailable(f"`{' '.join(cmd)}` failed ({proc.returncode}): {proc.stdout}{proc.stderr}"
                                   + self.log_tail())
        return proc

    def log_tail(self, lines: int = 15) -> str:
        text = ""
        for log in sorted((self.root / "log").glob("*")):
            tail = log.read_text(errors="replace").splitlines()[-lines:]
            text += f"\n--- {log.name}\n" + "\n".join(tail)
        return text

    # ------------------------------------------------------------------ start
    def _spawn(self, name: str, *cmd: str) -> subprocess.Popen:
        log = (self.root / "log" / f"{name}.out").open("ab")
        proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, env=self.env,
                                start_new_session=True, preexec_fn=_die_with_parent if self.tied else None)
        log.close()
        self.procs.append((name, proc))
        (self.root / "run" / f"{name}.pid").write_text(f"{proc.pid}\n")
        return proc

    def _wait(self, what: str, ready, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for name, proc in self.procs:
                if proc.poll() is not None:
                    raise SlurmUnavailable(f"{name} exited with status {proc.returncode} while waiting for {what}"
                                           + self.log_tail())
            if ready():
                return
            time.sleep(0.2)
        raise SlurmUnavailable(f"timed out after {timeout:.0f} s waiting for {what}" + self.log_tail())

    def start(self, timeout: float = 90) -> None:
        missing = missing_programs()
        if missing:
            raise SlurmUnavailable("programs not installed: " + ", ".join(missing)
                                   + " (Debian: apt-get install slurmctld slurmd slurm-client slurmdbd munge "
                                   "mariadb-server)")
        if os.geteuid() != 0:
            raise SlurmUnavailable("the local cluster runs slurmd, which must run as root; this is uid "
                                   f"{os.geteuid()}")
        self.baseline = _processes()
        for sub in ("bin", "etc", "log", "run", "db", "state", "spool", "munge"):
            (self.root / sub).mkdir(parents=True, exist_ok=True)
        os.chmod(self.root / "munge", 0o700)
        self._srun_wrapper()
        try:
            self._start(timeout)
        except BaseException:
            self.stop()
            raise

    def _start(self, timeout: float) -> None:
        r = self.root
        db_port, dbd_port, ctld_port, slurmd_port = (_free_port() for _ in range(4))
        db_pass = secrets.token_hex(12)
        munge_socket = r / "munge" / "munge.socket"
        node = _node_line()
        host = socket.gethostname().split(".")[0]

        # MariaDB for slurmdbd (TCP on 127.0.0.1 only; root by unix socket to create the slurm user)
        self.run("mariadb-install-db", "--no-defaults", f"--datadir={r / 'db'}", "--user=root",
                 "--auth-root-authentication-method=socket", "--skip-test-db", "--skip-name-resolve", timeout=120)
        db_socket = r / "run" / "mysqld.sock"
        self._spawn("mariadbd", "mariadbd", "--no-defaults", f"--datadir={r / 'db'}", f"--socket={db_socket}",
                    f"--pid-file={r / 'run' / 'mariadbd.pid.own'}", f"--port={db_port}", "--bind-address=127.0.0.1",
                    "--user=root", f"--log-error={r / 'log' / 'mariadbd.log'}", "--skip-name-resolve",
                    "--innodb-buffer-pool-size=64M", "--innodb-flush-log-at-trx-commit=0", "--skip-log-bin")
        self._wait("MariaDB", lambda: db_socket.exists(), timeout)
        sql = (f"CREATE USER 'slurm'@'127.0.0.1' IDENTIFIED BY '{db_pass}'; "
               "GRANT ALL ON slurm_acct_db.* TO 'slurm'@'127.0.0.1'; FLUSH PRIVILEGES;")
        self._retry(lambda: self.run("mariadb", f"--socket={db_socket}", "-uroot", "-e", sql, check=False), timeout,
                    "the MariaDB client")

        # munge with its own key and socket
        key = r / "munge" / "munge.key"
        self.run("mungekey", "--create", f"--keyfile={key}", "--force")
        os.chmod(key, 0o600)
        self._spawn("munged", "munged", "--foreground", "--force", f"--socket={munge_socket}", f"--key-file={key}",
                    f"--pid-file={r / 'run' / 'munged.pid.own'}", f"--log-file={r / 'log' / 'munged.log'}",
                    f"--seed-file={r / 'munge' / 'munged.seed'}")
        self._wait("munged", lambda: munge_socket.exists(), timeout)

        auth = f"AuthType=auth/munge\nAuthInfo=socket={munge_socket}\n"
        dbd = r / "etc" / "slurmdbd.conf"
        dbd.write_text(
            f"{auth}DbdHost=localhost\nDbdAddr=127.0.0.1\nDbdPort={dbd_port}\nSlurmUser=root\n"
            f"PidFile={r / 'run' / 'slurmdbd.pid.own'}\nLogFile={r / 'log' / 'slurmdbd.log'}\nDebugLevel=info\n"
            f"StorageType=accounting_storage/mysql\nStorageHost=127.0.0.1\nStoragePort={db_port}\n"
            f"StorageUser=slurm\nStoragePass={db_pass}\nStorageLoc=slurm_acct_db\n")
        os.chmod(dbd, 0o600)
        self.conf.write_text(
            f"# generated by tests/slurm_cluster.py\nClusterName={CLUSTER}\nSlurmctldHost={host}(127.0.0.1)\n"
            f"SlurmUser=root\nSlurmdUser=root\nSlurmctldPort={ctld_port}\nSlurmdPort={slurmd_port}\n{auth}"
            "CredType=cred/munge\n"
            f"StateSaveLocation={r / 'state'}\nSlurmdSpoolDir={r / 'spool'}\n"
            f"SlurmctldPidFile={r / 'run' / 'slurmctld.pid.own'}\nSlurmdPidFile={r / 'run' / 'slurmd.pid.own'}\n"
            f"SlurmctldLogFile={r / 'log' / 'slurmctld.log'}\nSlurmdLogFile={r / 'log' / 'slurmd.log'}\n"
            "SlurmctldDebug=info\nSlurmdDebug=info\n"
            "ProctrackType=proctrack/linuxproc\nTaskPlugin=task/none\nJobAcctGatherType=jobacct_gather/linux\n"
            "JobAcctGatherFrequency=5\nJobAcctGatherParams=OverMemoryKill\nSelectType=select/cons_tres\n"
            "SelectTypeParameters=CR_Core_Memory\n"
            "SchedulerType=sched/backfill\nMpiDefault=none\nReturnToService=2\nMinJobAge=300\nKillWait=5\n"
            "InactiveLimit=0\nWaitTime=0\n"
            f"AccountingStorageType=accounting_storage/slurmdbd\nAccountingStorageHost=localhost\n"
            f"AccountingStoragePort={dbd_port}\nAccountingStoragePass={munge_socket}\nAccountingStoreFlags=job_comment\n"
            "JobCompType=jobcomp/none\n"
            f"{node}\nPartitionName={PARTITION} Nodes=localhost Default=YES MaxTime=INFINITE State=UP\n")

        self._spawn("slurmdbd", "slurmdbd", "-D")
        self._retry(lambda: self.run("sacctmgr", "-i", "add", "cluster", CLUSTER, check=False), timeout,
                    "slurmdbd (sacctmgr add cluster)", ok=lambda p: p.returncode == 0 or "already exists" in
                    p.stdout + p.stderr)
        self.run("sacctmgr", "-i", "add", "account", ACCOUNT, f"cluster={CLUSTER}", "description=tests",
                 "organization=deeplimits")
        self.run("sacctmgr", "-i", "add", "user", "root", f"account={ACCOUNT}", f"cluster={CLUSTER}")

        self._spawn("slurmctld", "slurmctld", "-D", "-i")
        self._spawn("slurmd", "slurmd", "-D", "-N", "localhost")

        def idle() -> bool:
            p = self.run("sinfo", "-h", "-N", "-o", "%N %t", check=False)
            return p.returncode == 0 and p.stdout.split() == ["localhost", "idle"]

        self._wait("the node to be idle in sinfo", idle, timeout)

    def _retry(self, call, timeout: float, what: str, ok=lambda p: p.returncode == 0):
        deadline = time.monotonic() + timeout
        while True:
            proc = call()
            if ok(proc):
                return proc
            if time.monotonic() > deadline:
                raise SlurmUnavailable(f"{what} kept failing: {proc.stdout}{proc.stderr}" + self.log_tail())
            for name, p in self.procs:
                if p.poll() is not None:
                    raise SlurmUnavailable(f"{name} exited with status {p.returncode} while waiting for {what}"
                                           + self.log_tail())
            time.sleep(0.5)

    # ------------------------------------------------------------------ stop
    def stop(self, timeout: float = 30) -> list[str]:
        """Cancel all jobs, stop every daemon (reverse start order) and return what is left running (empty)."""
        if any(n == "slurmctld" and p.poll() is None for n, p in self.procs):
            subprocess.run(["scancel", "--full", "--user", "root"], env=self.env, capture_output=True, timeout=30)
            deadline = time.monotonic() + 15
            while time.monotonic() < deadline:
                q = subprocess.run(["squeue", "-h"], env=self.env, capture_output=True, text=True, timeout=30)
                if q.returncode or not q.stdout.strip():
                    break
                time.sleep(0.5)
        for _name, proc in reversed(self.procs):
            if proc.poll() is None:
                os.kill(proc.pid, signal.SIGTERM)
                try:
                    proc.wait(timeout)
                except subprocess.TimeoutExpired:
                    os.kill(proc.pid, signal.SIGKILL)
                    proc.wait(10)
        self.procs.clear()
        # job step daemons (slurmstepd) and their children detach from slurmd: end the ones that were not running
        # before start(), by pid
        deadline = time.monotonic() + 10
        left = {}
        while time.monotonic() < deadline:
            left = {pid: n for pid, n in _processes().items() if pid not in self.baseline}
            if not left:
                break
            for pid in left:
                try:
                    os.kill(pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
            time.sleep(0.3)
        return [f"{n} (pid {pid})" for pid, n in left.items()]


def _stop_by_pidfiles(root: Path) -> None:
    """`down` from another process: cancel the jobs, then SIGTERM every daemon from its pid file, in reverse start
    order."""
    env = {**os.environ, "SLURM_CONF": str(root / "etc" / "slurm.conf")}
    subprocess.run(["scancel", "--full", "--user", "root"], env=env, capture_output=True, timeout=30)
    for name in ("slurmd", "slurmctld", "slurmdbd", "munged", "mariadbd"):
        pidfile = root / "run" / f"{name}.pid"
        if pidfile.exists():
            try:
                os.kill(int(pidfile.read_text()), signal.SIGTERM)
            except ProcessLookupError:
                pass
            pidfile.unlink()
            time.sleep(1)


def main(argv: list[str]) -> int:
    if len(argv) != 2 or argv[0] not in ("up", "down"):
        print(__doc__)
        return 2
    root = Path(argv[1]).resolve()
    if argv[0] == "down":
        _stop_by_pidfiles(root)
        return 0
    cluster = LocalSlurm(root, tied=False)
    cluster.start()
    for _, proc in cluster.procs:  # keep the daemons when this process exits
        proc.returncode = 0
    print(f"export SLURM_CONF={cluster.conf}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
