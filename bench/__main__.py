import argparse
import importlib
import json
import os
import pkgutil
import sys
import time
import traceback
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def main() -> int:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.bench_settings")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command

    parser = argparse.ArgumentParser(prog="python -m bench")
    parser.add_argument("areas", nargs="*", help="e.g. classify import_reviews (default: all)")
    args = parser.parse_args()

    found = sorted(
        m.name.removeprefix("bench_")
        for m in pkgutil.iter_modules([str(ROOT / "bench")])
        if m.name.startswith("bench_")
    )
    areas = args.areas or found
    unknown = set(areas) - set(found)
    if unknown:
        parser.error(f"unknown area(s) {sorted(unknown)}; known: {found}")

    # A fresh database works: every area expects the schema, so bring it up to date first (a
    # no-op in a second or two when nothing is pending).
    print("== migrate", flush=True)
    call_command("migrate", interactive=False, verbosity=0)

    out = Path(settings.VAR_DIR) / "bench.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    figures = json.loads(out.read_text()) if out.exists() else {}
    failed = []
    for area in areas:
        print(f"== {area}", flush=True)
        started = time.perf_counter()
        try:
            result = importlib.import_module(f"bench.bench_{area}").run()
        except Exception:
            traceback.print_exc()
            failed.append(area)
            continue
        figures.update(result)
        out.write_text(json.dumps(figures, indent=2, ensure_ascii=False) + "\n")
        print(f"   ({time.perf_counter() - started:.1f}s)")
        for name, fig in result.items():
            print(f"   {name:32} {fig['value']:>12} {fig['unit']:<10} target {fig.get('target')}")
    print(f"\nfigures written to {out}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
