"""``python -m sandbox``: start the sandbox and say where it is.

When it accepts connections it prints one human line (base URL and CA path) and then one JSON
line ``{"event": "ready", ...}`` to stdout, flushed, for scripts and test fixtures to read. It
never prints the client secret (``--write-config`` puts it in an owner-only file). SIGTERM and
SIGINT stop it cleanly; state survives a restart with the same ``--state-dir``.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import ipaddress
import json
import logging
import os
import signal
import sys
from pathlib import Path

from sandbox.app import Options, Sandbox
from sandbox.faults import Faults
from sandbox.tls import server_tls
from sandbox.web import HttpsServer


def _route_value(text: str) -> tuple[str, float]:
    route, sep, value = text.rpartition("=")
    if not sep or not route:
        raise argparse.ArgumentTypeError("expected ROUTE=N, e.g. 'POST /v1.0/invitations=10'")
    return route, float(value)


def build_parser() -> argparse.ArgumentParser:
    """The command line (also used by ``refsync sandbox``, which forwards its arguments)."""
    p = argparse.ArgumentParser(
        prog="refsync sandbox",
        description="A local stand-in for Entra ID, Partner Center Referrals, Graph "
        "invitations and GT365, served over HTTPS with its own CA.",
    )
    p.add_argument(
        "--host", default="127.0.0.1", help="loopback address to bind (default %(default)s)"
    )
    p.add_argument(
        "--port", type=int, default=8443, help="port; 0 picks a free one (default %(default)s)"
    )
    p.add_argument(
        "--state-dir",
        type=Path,
        default=Path(".refsync/sandbox"),
        help="CA, signing key, registration and SQLite state (default %(default)s)",
    )
    p.add_argument("--seed", type=int, default=0, help="seed for deterministic faults")
    p.add_argument(
        "--write-config",
        type=Path,
        metavar="FILE",
        help="write a refsync TOML configuration pointing at this sandbox (mode 0600)",
    )
    p.add_argument(
        "--token-lifetime",
        type=int,
        default=3600,
        metavar="SECONDS",
        help="access token lifetime (MSAL caches only tokens living > 300 s)",
    )
    p.add_argument(
        "--auto-approve",
        action="store_true",
        help="approve device-code sign-ins at once, as the tenant admin",
    )
    p.add_argument(
        "--no-invite-role",
        action="store_true",
        help="register the app without User.Invite.All (Graph answers 403)",
    )
    f = p.add_argument_group("faults (0 = off; all can be changed with POST /_sandbox/faults)")
    f.add_argument("--latency-ms", type=float, default=0.0)
    f.add_argument(
        "--latency-jitter-ms", type=float, default=0.0, help="extra uniform random latency 0..N ms"
    )
    f.add_argument(
        "--latency-distribution",
        choices=("uniform", "exponential"),
        default="uniform",
        help="how the jitter is drawn: uniform 0..N ms, or exponential with mean N ms",
    )
    f.add_argument("--error-rate", type=float, default=0.0, help="probability of a 500/503")
    f.add_argument(
        "--error-after-commit-rate",
        type=float,
        default=0.0,
        help="probability that a create is committed and then answered 500",
    )
    f.add_argument(
        "--drop-after-commit",
        type=float,
        default=0.0,
        help="probability that a create is committed and the connection dropped",
    )
    f.add_argument(
        "--rate-limit-per-s",
        type=float,
        default=0.0,
        help="per-route limit; excess requests get 429 + Retry-After",
    )
    f.add_argument(
        "--rate-limit",
        type=_route_value,
        action="append",
        default=[],
        metavar="ROUTE=N",
        help="limit for one route, e.g. 'GET /v1/referrals=5'",
    )
    f.add_argument(
        "--hang-route",
        action="append",
        default=[],
        metavar="ROUTE",
        help="route that never answers, e.g. 'POST /v1.0/engagements/referrals'",
    )
    f.add_argument(
        "--fault-route",
        action="append",
        default=[],
        metavar="ROUTE",
        help="restrict random faults to these routes (default: all API routes)",
    )
    f.add_argument(
        "--graph-throttle-per-5s",
        type=int,
        default=150,
        help="Graph invitations allowed per 5 s per tenant (default %(default)s)",
    )
    f.add_argument(
        "--gt365-latency-ms",
        type=float,
        default=1500.0,
        help="GT365 answer time (default %(default)s)",
    )
    return p


def _check_loopback(host: str) -> None:
    if host == "localhost":
        return
    try:
        loopback = ipaddress.ip_address(host).is_loopback
    except ValueError:
        loopback = False
    if not loopback:
        raise SystemExit(
            f"refusing to serve on {host!r}: the sandbox binds loopback addresses only"
        )


def write_config(path: Path, sandbox: Sandbox, ca_path: Path) -> None:
    """Write a refsync configuration (TOML, mode 0600) that points at this sandbox."""
    reg = sandbox.registration
    values = {
        "tenant_id": reg.tenant_id,
        "client_id": reg.client_id,
        "client_secret": reg.client_secret,
        "authority_host": sandbox.base_url,
        "partner_center_url": sandbox.base_url,
        "graph_url": sandbox.base_url,
        "gt365_url": sandbox.base_url,
        "ca_bundle": str(ca_path),
    }
    text = "# refsync configuration for the local sandbox (contains a secret: keep private)\n"
    text += "".join(f"{key} = {json.dumps(value)}\n" for key, value in values.items())
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(text)
    os.chmod(path, 0o600)


async def _serve(args: argparse.Namespace, faults: Faults) -> int:
    state_dir = args.state_dir.resolve()
    tls = server_tls(state_dir)
    sandbox = Sandbox(
        Options(
            state_dir=state_dir,
            seed=args.seed,
            token_lifetime_s=args.token_lifetime,
            auto_approve=args.auto_approve,
            invite_role=not args.no_invite_role,
            faults=faults,
        )
    )
    server = HttpsServer(sandbox.handle, tls.context)
    try:
        port = await server.start(args.host, args.port)
    except OSError as exc:
        sandbox.close()
        print(f"error: cannot listen on {args.host}:{args.port}: {exc.strerror}", file=sys.stderr)
        return 2
    host = f"[{args.host}]" if ":" in args.host else args.host
    sandbox.set_base_url(f"https://{host}:{port}")
    config_path = None
    if args.write_config is not None:
        config_path = args.write_config.resolve()
        write_config(config_path, sandbox, tls.ca_path)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    print(f"refsync sandbox serving {sandbox.base_url} (CA certificate: {tls.ca_path})", flush=True)
    print(
        json.dumps(
            {
                "event": "ready",
                "base_url": sandbox.base_url,
                "ca_path": str(tls.ca_path),
                "tenant_id": sandbox.registration.tenant_id,
                "client_id": sandbox.registration.client_id,
                "config_path": str(config_path) if config_path else None,
            }
        ),
        flush=True,
    )
    try:
        await stop.wait()
    finally:
        sandbox.stop()
        await server.close()
        sandbox.close()
    print("refsync sandbox stopped", file=sys.stderr, flush=True)
    return 0


def main(argv: list[str] | None = None) -> int:
    """Run the sandbox until SIGTERM/SIGINT; returns the exit code (2 for usage errors)."""
    try:
        return _main(argv)
    except SystemExit as exc:  # argparse's --help and usage errors
        return exc.code if isinstance(exc.code, int) else 2


def _main(argv: list[str] | None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        _check_loopback(args.host)
    except SystemExit as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if args.token_lifetime < 1:
        parser.error("--token-lifetime must be positive")
    try:
        faults = Faults().updated(
            {
                "latency_ms": args.latency_ms,
                "latency_jitter_ms": args.latency_jitter_ms,
                "latency_distribution": args.latency_distribution,
                "error_rate": args.error_rate,
                "error_after_commit_rate": args.error_after_commit_rate,
                "drop_after_commit": args.drop_after_commit,
                "rate_limit_per_s": args.rate_limit_per_s,
                "rate_limits": dict(args.rate_limit),
                "hang_routes": args.hang_route,
                "routes": args.fault_route,
                "graph_throttle_per_5s": args.graph_throttle_per_5s,
                "gt365_latency_ms": args.gt365_latency_ms,
            }
        )
    except ValueError as exc:
        parser.error(str(exc))
    logging.basicConfig(
        level=logging.WARNING,
        stream=sys.stderr,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    with contextlib.suppress(KeyboardInterrupt):
        return asyncio.run(_serve(args, faults))
    return 0
