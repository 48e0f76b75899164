"""The order of a run: stack up, fixtures, then each selected phase inside the time budget."""

from __future__ import annotations

import time
import traceback

from bench import fixtures, ingest, profiling, traffic
from bench.config import Settings, Sizes
from bench.procs import log
from bench.stack import Stack, database_exists, drop_database, postgres_reachable


class Runner:
    def __init__(self, settings: Settings, sizes: Sizes, args):
        self.settings, self.sizes, self.args = settings, sizes, args
        self.stack = Stack(settings)
        self.deadline = time.monotonic() + sizes.budget_seconds
        self.results: dict = {"errors": {}}
        self.timings: dict[str, float] = {}

    def left(self) -> float:
        return self.deadline - time.monotonic()

    def run(self) -> dict:
        if not postgres_reachable(self.settings):
            raise SystemExit(f"PostgreSQL is not reachable at {self.settings.pg_base}")
        self._timed("setup", self.setup)
        wanted = self.args.phases
        if "ingest" in wanted:
            self._timed("ingest", self.ingest)
        if "live" in wanted:
            self._timed("live", self.live)
        if "mail" in wanted:  # before desk: the mails land on a desk of ingest's size
            self._timed("mail", self.mail)
        if "desk" in wanted:
            self._timed("desk", self.desk)
        if "copy" in wanted:
            self._timed("copy", self.copy)
        if "ceiling" in wanted:
            self._timed("ceiling", self.ceiling)
        if "peer" in wanted:
            self._timed("peer", self.peer)
        if "soak" in wanted:
            self._timed("soak", self.soak)
        self.results["phase_seconds"] = self.timings
        if not self.results["errors"]:
            del self.results["errors"]
        return self.results

    def _timed(self, name: str, fn) -> None:
        started = time.monotonic()
        if self.left() < 5:
            self.results["errors"][name] = "skipped: time budget used up"
            return
        log(f"phase {name} ({self.left():.0f} s of budget left)")
        try:
            fn()
        except Exception as exc:  # one broken phase must not hide the others' figures
            self.results["errors"][name] = f"{type(exc).__name__}: {exc}"
            log(f"phase {name} failed:\n{traceback.format_exc()}")
        self.timings[name] = round(time.monotonic() - started, 1)

    # -- phases ----------------------------------------------------------------------------
    def setup(self) -> None:
        self.stack.start_redis()
        reuse = self.args.reuse_db and database_exists(self.settings, self.settings.db_name)
        if reuse:
            self.stack.manage("migrate", "--noinput", "-v", "0")
            self.stack.limit_statements()
        else:
            self.stack.create_database()
        fixtures.setup_django(self.settings)
        self.people = fixtures.make_people(max(self.sizes.desk_agents, self.sizes.live_agents))
        self.shape = traffic.load_shape()
        self.channels = (fixtures.twitter_channels() if reuse else [])
        if not self.channels:
            self.channels = fixtures.make_twitter_channels(ingest.brands_for_channels(self.shape),
                                                           self.people.team_id)
        fixtures.close_db()
        self.stack.start_web()
        self.stack.start_worker()

    def ingest(self) -> None:
        with profiling.maybe(self.args.profile, self.stack) as profile:
            self.results["ingest"] = ingest.run(self.settings, self.sizes, self.stack, self.channels,
                                                self.shape)
        if profile.summary:
            self.results["ingest"]["profile"] = profile.summary
        from bench import desk, list_parity

        # the peer's ticket list is timed at the same number of rows (bench/list_parity.py)
        self.results["ingest"]["list_rows"] = list_parity.top_up_heedful(self.settings, self.sizes, self.people)
        self.results["ingest"]["inbox_at_ingest_scale"] = desk.inbox_at_ingest_scale(
            self.settings, self.sizes, self.people)

    def live(self) -> None:
        from bench import live

        self.stack.restart_web(threads=max(64, self.sizes.live_agents + 16))
        try:
            self.results["live"] = live.run(self.settings, self.sizes, self.stack, self.people,
                                            self.channels, self.shape)
        finally:
            self.stack.restart_web()

    def mail(self) -> None:
        from bench import mail

        self.results["mail"] = mail.run(self.settings, self.sizes, self.stack, self.people, self.shape,
                                        deadline=self.deadline)

    def desk(self) -> None:
        from bench import desk, desk_load

        meta = desk_load.loaded_meta(self.settings, self.sizes) if self.args.reuse_db else None
        if meta is None:
            self.results["desk_load"], meta = desk_load.load(self.settings, self.sizes, self.people)
        else:
            self.results["desk_load"] = {"reused": True}
        self.results["desk"] = desk.measure(self.settings, self.sizes, self.people, meta)
        if "ingest" in self.args.phases and self.left() > self.sizes.scale_paced_seconds + 60:
            self.results.setdefault("ingest", {})["paced_on_loaded_desk"] = ingest.run_paced_only(
                "paced-at-scale", self.settings, self.sizes, self.stack, self.channels, self.shape,
                self.sizes.scale_paced_seconds, seed=5)

    def copy(self) -> None:
        from bench import copy_ceiling

        self.results["copy"] = copy_ceiling.run(self.settings, self.sizes, self.results)

    def ceiling(self) -> None:
        from bench import accept_ceiling

        self.results["ceiling"] = accept_ceiling.run(self.settings, self.sizes, self.results)

    def peer(self) -> None:
        from bench import peer

        self.results["peer"] = peer.run(self.settings, self.sizes, self.results, self.shape,
                                        deadline=self.deadline)

    def soak(self) -> None:
        from bench import soak

        self.results["soak"] = soak.run(self.settings, self.sizes, self.stack, self.channels, self.shape)

    def close(self) -> None:
        try:
            fixtures.close_db()
        except Exception:  # Django may never have been set up
            pass
        self.stack.stop()
        if not (self.args.keep_db or self.args.reuse_db):
            for name in (self.settings.db_name, self.settings.db_name + "_peer",
                         self.settings.db_name + "_peer_mail", self.settings.db_name + "_peer_template"):
                try:
                    drop_database(self.settings, name)
                except Exception as exc:  # the report still comes out
                    log(f"could not drop {name}: {exc}")
