"""HubSpot deals exports as portals really export them: flags with their real labels, renamed
closed stages, saved views with no flag at all."""

import pandas as pd

from audit.model.config import parse


def _status(loaded) -> dict:
    return loaded.crm.deals.set_index("deal_id")["status"].to_dict()


def _warning(loaded, code):
    found = [w for w in loaded.warnings if w.code == code]
    assert len(found) <= 1, found
    return found[0] if found else None


def test_all_properties_flags_decide_whatever_the_stage_labels(load_fixture):
    loaded = load_fixture("hubspot_all_properties_flags.csv")
    assert _status(loaded) == {"701": "won", "702": "lost", "703": "lost", "704": "open"}
    # The flags said it all: nothing was read from stage names, so nothing to warn about.
    assert _warning(loaded, "status-from-stage-names") is None
    d = loaded.crm.deals.set_index("deal_id")
    assert d.loc["702", "lost_reason"] == "Budget"
    assert pd.isna(d.loc["704", "closed_at"]) and d.loc["704", "expected_close_at"] == pd.Timestamp("2026-03-30")
    assert d.loc["701", "closed_at"] == pd.Timestamp("2026-01-20 10:00")


def test_closed_flag_only_lower_case_without_question_mark(load_fixture):
    loaded = load_fixture("hubspot_closed_flag_only.csv")
    # 711: closed, the label says won. 712: closed, the label says nothing an outcome-word
    # reader trusts ("dead" only counts after "closed"), probability 0 corroborates lost.
    # 713: not closed. 714: closed, no label, no probability: a closed deal not won is lost,
    # and the warning says it was a guess.
    assert _status(loaded) == {"711": "won", "712": "lost", "713": "open", "714": "lost"}
    w = _warning(loaded, "status-from-stage-names")
    assert w.numbers["won_stages"] == {"Won": 1}
    assert w.numbers["closed_read_as_lost"] == {"Paused": 1}
    assert "'Paused' (1)" in w.message and w.file.endswith("hubspot_closed_flag_only.csv")
    assert "Paused" in w.message_ru


def test_saved_view_without_flags_reads_outcome_words_and_says_which(load_fixture):
    loaded = load_fixture("hubspot_saved_view_no_flags.csv")
    assert loaded.sources[0].crm == "hubspot"
    assert _status(loaded) == {"721": "won", "722": "lost", "723": "lost", "724": "open", "725": "won"}
    w = _warning(loaded, "status-from-stage-names")
    assert w.numbers["won_stages"] == {"Won": 2}
    assert w.numbers["lost_stages"] == {"Lost - no budget": 1, "Closed: abandoned": 1}
    assert w.numbers["deals"] == 4
    assert "'Contract sent'" not in w.message and "[status]" in w.message


def test_status_declared_in_config_overrides_reading_the_labels(load_fixture):
    cfg = parse({"status": {"won": ["Contract sent"], "lost": ["Won"]}})
    loaded = load_fixture("hubspot_saved_view_no_flags.csv", cfg=cfg)
    assert _status(loaded) == {"721": "lost", "722": "lost", "723": "lost", "724": "won", "725": "lost"}
    w = _warning(loaded, "status-from-stage-names")
    # Only what the config did not declare was read from names.
    assert w.numbers["won_stages"] == {} and set(w.numbers["lost_stages"]) == {"Lost - no budget",
                                                                               "Closed: abandoned"}


def test_default_closed_stages_need_no_warning(load_fixture):
    loaded = load_fixture("hubspot_deals_date_entered.csv")
    assert _warning(loaded, "status-from-stage-names") is None
