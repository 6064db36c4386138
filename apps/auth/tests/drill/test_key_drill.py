"""`make key-drill`, shortened: the whole sequence of key and claim changes on real processes
(uvicorn on Postgres and Redis, restarted at every step) with a live population of sessions."""

from __future__ import annotations

from benchmarks.key_drill import SHORT, run
from benchmarks.key_drill_report import table
from benchmarks.key_drill_steps import Keys, walk, without_acceptance


def test_nobody_signs_in_again_and_no_revoked_token_passes_at_any_step() -> None:
    steps = walk(Keys())
    walked = run(steps, SHORT)
    print(table("with the acceptance settings", walked))

    assert [r.name for r in walked] == [s.name for s in steps]
    for result in walked:
        assert result.tally.forced_sign_ins == 0, result
        assert result.tally.revoked_accepted == 0, result
        assert result.tally.refusals == 0 and result.tally.errors == 0, result
        assert result.alive == SHORT.sessions and result.tally.refreshes > 0, result
    # The control: the same changes without the acceptance settings, up to the first rollback.
    control = run([without_acceptance(s) for s in steps[:5]], SHORT)
    print(table("control: without the acceptance settings", control))
    forced = {r.name: r.tally.forced_sign_ins for r in control}
    assert forced["sign ES256"] == SHORT.sessions
    assert forced["roll back to HS256"] == SHORT.sessions
    assert all(r.tally.revoked_accepted == 0 for r in control)
