"""Stage order and kind on the histories real exports give: closed deals that keep their last
open stage (Pipedrive), back-moves, and outcome stages present in the history but absent from
the deals export. Order must follow the transitions: a stage comes before the stages deals
move to from it, and a stage deals leave is a step, not an outcome."""

import itertools

import pandas as pd

from audit.derived.funnel import funnel_table
from tests.builders import deal, derived, make_crm, move


def walk(deal_id, stages, *, status="open", sits_in=None, start="2026-01-01", owner="Anna"):
    """A deal walking `stages` a day apart; it sits in `sits_in` (default: the last stage)."""
    t = pd.Timestamp(start)
    history = [move(deal_id, b, str(t + pd.Timedelta(days=i + 1)), from_stage=a)
               for i, (a, b) in enumerate(itertools.pairwise(stages))]
    return deal(deal_id, stage=sits_in or stages[-1], status=status, created_at=str(t), owner=owner), history


def crm_of(walks, **kw):
    deals, history = [], []
    for w in walks:
        deals.append(w[0])
        history += w[1]
    return make_crm(deals, history=history, **kw)


def order_and_kind(crm, pipeline="Sales"):
    o = derived(crm).stage_order
    o = o[o["pipeline"] == pipeline].sort_values("order")
    return list(o["stage"]), dict(zip(o["stage"], o["kind"]))


def pipedrive_like(**kw):
    """Closed deals keep their last open stage: 6 won in 'Negotiation', 4 lost in 'Proposal sent',
    2 open in 'Proposal sent', 1 open in 'Lead in'."""
    walks = [walk(i, ["Lead in", "Proposal sent", "Negotiation"], status="won") for i in range(1, 7)]
    walks += [walk(i, ["Lead in", "Proposal sent"], status="lost") for i in range(7, 11)]
    walks += [walk(i, ["Lead in", "Proposal sent"]) for i in (11, 12)]
    walks += [walk(13, ["Lead in"])]
    return crm_of(walks, **kw)


def test_pipedrive_stages_are_all_open_and_ordered_by_the_walk():
    stages, kind = order_and_kind(pipedrive_like(stages_all_open=True))
    assert stages == ["Lead in", "Proposal sent", "Negotiation"]
    assert set(kind.values()) == {"open"}


def test_a_stage_deals_leave_for_an_open_stage_is_open_whatever_status_its_sitters_have():
    # 'Proposal' holds 3 lost deals and 1 open one, but 4 of the 8 deals that entered it moved
    # on to 'Contract', where open deals sit: a step of the process, not a lost stage.
    walks = [walk(i, ["New", "Proposal", "Contract"]) for i in range(1, 5)]
    walks += [walk(i, ["New", "Proposal"], status="lost") for i in range(5, 8)] + [walk(8, ["New", "Proposal"])]
    stages, kind = order_and_kind(crm_of(walks))
    assert kind == {"New": "open", "Proposal": "open", "Contract": "open"}
    assert stages == ["New", "Proposal", "Contract"]


def test_moving_from_one_outcome_stage_to_another_is_a_correction_not_a_step():
    # Deals recorded as won, then corrected to lost: 'Closed Won' stays a won stage.
    walks = [walk(i, ["New", "Closed Won"], status="won") for i in range(1, 6)]
    walks += [walk(i, ["New", "Closed Won", "Closed Lost"], status="lost") for i in range(6, 9)]
    _, kind = order_and_kind(crm_of(walks))
    assert kind == {"New": "open", "Closed Won": "won", "Closed Lost": "lost"}


def test_without_the_profiles_word_pipedrive_stages_look_like_outcomes():
    # The same Pipedrive data read as a generic export: nothing in the data alone says that
    # 'Negotiation' (6 won deals, none left it) is not a won stage. Hence stages_all_open.
    _, kind = order_and_kind(pipedrive_like())
    assert kind["Lead in"] == "open" and kind["Negotiation"] == "won"


def test_outcome_stage_only_in_history_is_final_and_comes_last():
    # A history that records the outcome as a stage the deals export never shows: deals sit in
    # 'Proposal sent' (won there), the history moves them on to 'Closed won'.
    walks = [walk(i, ["Lead in", "Proposal sent", "Closed won"], status="won", sits_in="Proposal sent")
             for i in range(1, 6)]
    walks += [walk(i, ["Lead in", "Proposal sent", "Closed lost"], status="lost", sits_in="Proposal sent")
              for i in range(6, 9)]
    walks += [walk(9, ["Lead in", "Proposal sent"])]
    for all_open in (False, True):
        stages, kind = order_and_kind(crm_of(walks, stages_all_open=all_open))
        assert stages == ["Lead in", "Proposal sent", "Closed won", "Closed lost"], all_open
        assert kind == {"Lead in": "open", "Proposal sent": "open", "Closed won": "won", "Closed lost": "lost"}


def test_back_moves_keep_the_forward_order():
    walks = [walk(i, ["New", "Qualified", "Proposal", "Qualified", "Proposal", "Contract", "Won"], status="won")
             for i in range(1, 4)]
    walks += [walk(i, ["New", "Qualified", "Proposal", "Contract", "Proposal", "Contract", "Won"], status="won")
              for i in range(4, 6)]
    walks += [walk(i, ["New", "Qualified", "Lost"], status="lost") for i in range(6, 8)]
    stages, kind = order_and_kind(crm_of(walks))
    assert stages == ["New", "Qualified", "Proposal", "Contract", "Won", "Lost"]
    assert kind["Contract"] == "open" and kind["Won"] == "won" and kind["Lost"] == "lost"


def test_a_reopened_deal_does_not_make_a_won_stage_open():
    walks = [walk(i, ["New", "Proposal", "Won"], status="won") for i in range(1, 6)]
    walks += [walk(6, ["New", "Proposal", "Won", "Proposal"])]  # reopened once
    _, kind = order_and_kind(crm_of(walks))
    assert kind["Won"] == "won"


def test_funnel_counts_advancing_at_a_stage_the_manager_left_forward():
    crm = pipedrive_like(stages_all_open=True)
    f = funnel_table(derived(crm))
    anna = f[(f["owner"] == "Anna") & (f["stage"] == "Proposal sent")].iloc[0]
    # 12 entered; 6 moved on to Negotiation, 4 were lost there, 2 still sit there.
    assert (anna["entered"], anna["advanced"], anna["lost"], anna["resolved"]) == (12, 6, 4, 10)
