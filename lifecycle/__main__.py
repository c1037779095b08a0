"""How nox sessions reach the library inside their virtualenv: `python -m lifecycle STEP ARGS`.

Each step is one library call, made with the same toolchain as the Invoke tasks; a user error
ends in one line and exit 1, as a task does.
"""

import argparse
import sys
from pathlib import Path

from lifecycle.errors import LifecycleError
from lifecycle.steps.bench import run_bench
from lifecycle.steps.deploy import deploy_to
from lifecycle.steps.image_ab import run_image_ab
from lifecycle.steps.manifests import check
from lifecycle.steps.peer_bench import run_peer_bench
from lifecycle.toolchain import Toolchain


def parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m lifecycle")
    steps = parser.add_subparsers(dest="step", required=True)
    steps.add_parser("manifests", help="render, validate and check every environment").add_argument(
        "out_dir", type=Path
    )
    steps.add_parser("bench", help="the concurrency benchmark").add_argument("out_dir", type=Path)
    peers = steps.add_parser("peers", help="per-core throughput against peer servers")
    peers.add_argument("out_dir", type=Path)
    peers.add_argument("--seconds", type=int, default=10, help="measured per row and server")
    peers.add_argument("--servers", nargs="*", help="only these (default: all)")
    peers.add_argument("--rows", nargs="*", help="only these rows, by name (default: all)")
    peers.add_argument(
        "--profile-seconds", type=int, default=10, help="py-spy on ours per row (0: none)"
    )
    peers.add_argument("--image", help="an app image built before (default: this checkout's)")
    peers.add_argument(
        "--rounds", type=int, default=1, help="servers take turns; each figure the median"
    )
    ab = steps.add_parser("ab", help="app images taking turns on one row of the peer bench")
    ab.add_argument("out_dir", type=Path)
    ab.add_argument("images", nargs="+", help="app images; each compared with the first")
    ab.add_argument("--row", default="DB page /", help="a row of the peer bench, by name")
    ab.add_argument("--rounds", type=int, default=6)
    ab.add_argument("--seconds", type=int, default=10, help="measured per turn")
    steps.add_parser("deploy", help="deploy the last pushed image").add_argument("env")
    return parser


def main(argv: list[str]) -> None:
    args = parser().parse_args(argv)
    tools = Toolchain()
    if args.step == "manifests":
        check(tools, args.out_dir)
    elif args.step == "bench":
        run_bench(tools, args.out_dir)
    elif args.step == "peers":
        run_peer_bench(
            tools,
            args.out_dir,
            args.seconds,
            args.servers,
            args.profile_seconds,
            args.image,
            args.rounds,
            args.rows,
        )
    elif args.step == "ab":
        run_image_ab(tools, args.out_dir, args.images, args.row, args.rounds, args.seconds)
    else:
        deploy_to(tools, args.env)


if __name__ == "__main__":
    try:
        main(sys.argv[1:])
    except LifecycleError as error:
        sys.exit(error.one_line())
