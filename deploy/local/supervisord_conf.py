"""supervisord's configuration for `make up`, made from deploy/Procfile (the one list of processes).

    python deploy/local/supervisord_conf.py --state .state --secrets .state/dev.env > .state/supervisord.conf
    (make up adds `--with deploy/Procfile.dev`, and `--without oidc-issuer` where node is missing)
    python deploy/local/supervisord_conf.py --http-ports      # "<process> <port>" of each HTTP app

Every process is restarted by supervisord when it exits, whatever the reason; a process that dies
again before `startsecs` waits 1, 2, 3 … s between attempts (supervisord's back-off) and gives up
after `startretries` in a row. A crash of one process never stops another. Each process logs to
`<state>/logs/<process>.log`, rotated at 10 MB with 5 old files kept. `${NAME:-default}` in the
Procfile is filled in from the environment here, once.

Secrets (`--secrets`, lines of `NAME=value`: the store cipher keys, triage's complainant salt) are never
put in supervisord's own environment, which every process inherits: each program gets, in its own
`environment=`, only the secrets of its service (`INTAKE_*` for `intake-http`, `-relay`, `-worker`).
"""

from __future__ import annotations

import argparse
import os
import re
import shlex
import sys
from collections.abc import Mapping
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PROCFILE = ROOT / "deploy" / "Procfile"
VARIABLE = re.compile(r"\$\{(\w+)(?::-([^}]*))?\}")

# What every program gets (supervisord's names). Back-off: startretries attempts, 1 s more each time.
PROGRAM_OPTIONS = {
    "autostart": "true",
    "autorestart": "true",
    "startsecs": "3",
    "startretries": "30",
    "stopsignal": "TERM",
    "stopwaitsecs": "15",
    "stopasgroup": "true",
    "killasgroup": "true",
    "redirect_stderr": "true",
    "stdout_logfile_maxbytes": "10MB",
    "stdout_logfile_backups": "5",
}


def expand(text: str, env: Mapping[str, str]) -> str:
    """`${NAME:-default}` and `${NAME}` as a shell would expand them."""
    return VARIABLE.sub(lambda m: env.get(m[1]) or (m[2] or ""), text)


def processes(
    procfile: Path = PROCFILE, env: Mapping[str, str] = os.environ, extra: tuple[Path, ...] = ()
) -> dict[str, str]:
    """Each process of the Procfile (then of each `extra` one, e.g. deploy/Procfile.dev) and its command,
    expanded."""
    found: dict[str, str] = {}
    for line in [line for path in (procfile, *extra) for line in path.read_text().splitlines()]:
        if line.strip() and not line.startswith("#"):
            name, command = line.split(":", 1)
            found[name.strip()] = expand(command.strip(), env)
    return found


def http_ports(commands: Mapping[str, str]) -> dict[str, int]:
    ports = {}
    for name, command in commands.items():
        words = shlex.split(command)
        if name.endswith("-http") and "--port" in words:
            ports[name] = int(words[words.index("--port") + 1])
    return ports


def _absolute(command: str, root: Path) -> str:
    # supervisord looks a program up before changing into its directory: make `.venv/bin/x` absolute.
    program, _, rest = command.partition(" ")
    if "/" in program and not program.startswith("/"):
        program = str(root / program)
    return f"{program} {rest}".strip()


def read_secrets(path: Path | None) -> dict[str, str]:
    """`NAME=value` lines (a shell-style env file without quoting); blank lines and comments skipped."""
    if path is None or not path.exists():
        return {}
    found = {}
    for line in path.read_text().splitlines():
        if line.strip() and not line.lstrip().startswith("#") and "=" in line:
            name, value = line.split("=", 1)
            found[name.strip()] = value.strip()
    return found


def own_secrets(program: str, secrets: Mapping[str, str]) -> dict[str, str]:
    """The secrets of the program's service only: `intake-worker` gets `INTAKE_*`."""
    prefix = program.split("-", 1)[0].upper() + "_"
    return {name: value for name, value in secrets.items() if name.startswith(prefix)}


def config(
    commands: Mapping[str, str], state: Path, root: Path = ROOT, secrets: Mapping[str, str] | None = None
) -> str:
    def esc(value: object) -> str:  # supervisord reads %(name)s in values
        return str(value).replace("%", "%%")

    logs = state / "logs"
    lines = [
        "; Made by deploy/local/supervisord_conf.py from deploy/Procfile; do not edit.",
        "[supervisord]",
        f"logfile={esc(logs / 'supervisord.log')}",
        "logfile_maxbytes=10MB",
        "logfile_backups=5",
        f"pidfile={esc(state / 'services.pid')}",
        f"childlogdir={esc(logs)}",
        f"directory={esc(root)}",
        "",
        "[unix_http_server]",
        f"file={esc(state / 'supervisor.sock')}",
        "chmod=0700",
        "",
        "[supervisorctl]",
        f"serverurl=unix://{esc(state / 'supervisor.sock')}",
        "",
        "[rpcinterface:supervisor]",
        "supervisor.rpcinterface_factory = supervisor.rpcinterface:make_main_rpcinterface",
    ]
    # One group: supervisord stops the programs of a group together (one by one otherwise), so
    # `make down` takes as long as the slowest process, not the sum of them.
    lines += ["", "[group:complaints]", f"programs={','.join(commands)}"]
    for name, command in commands.items():
        lines += ["", f"[program:{name}]", f"command={esc(_absolute(command, root))}", f"directory={esc(root)}"]
        lines += [f"{option}={value}" for option, value in PROGRAM_OPTIONS.items()]
        lines.append(f"stdout_logfile={esc(logs / (name + '.log'))}")
        own = own_secrets(name, secrets or {})
        if own:  # supervisord's KEY="value" pairs; a value holds no quote (base64, hex, tokens)
            lines.append("environment=" + ",".join(f'{key}="{esc(value)}"' for key, value in sorted(own.items())))
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--state", type=Path, default=Path(".state"), help="the state folder (logs, socket, pid)")
    parser.add_argument("--http-ports", action="store_true", help='print "<process> <port>" of each HTTP app')
    parser.add_argument("--secrets", type=Path, help="NAME=value lines; each program gets its own service's")
    parser.add_argument("--with", dest="extra", type=Path, action="append", default=[],
                        help="another Procfile whose processes are added (deploy/Procfile.dev)")  # fmt: skip
    parser.add_argument("--without", action="append", default=[],
                        help="a process left out (make up: the sign-in issuer where node is missing)")  # fmt: skip
    args = parser.parse_args(argv)
    commands = {
        name: command for name, command in processes(extra=tuple(args.extra)).items() if name not in args.without
    }
    if args.http_ports:
        for name, port in http_ports(commands).items():
            print(name, port)
    else:
        sys.stdout.write(config(commands, args.state.resolve(), secrets=read_secrets(args.secrets)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
