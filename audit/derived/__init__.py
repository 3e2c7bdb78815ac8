"""Tables derived from the canonical model that checks and reports share, computed once per audit.

- tables: `Derived`, the one cache of a run: built by the runner from the CrmData, handed to
  every check (`RunContext.derived`) and to the tables assembled after them;
- flowindex: integer-coded deals and stage history (the one sort behind everything below);
- deal_index: integer links from activities, history and owners to deal rows;
- flow: stage visits and moves as DataFrames, stage flow counts, current stays;
- stage_order: stage order and kind per pipeline, declared or inferred;
- funnel: per pipeline, stage and owner: entered, advanced, lost, conversion;
- scorecard, stage_tables, scoring: the owner, stage and pipeline tables and trust scores
  the reports show, assembled after the runner from the checks' results.

Nothing here imports `checks`, the runner, the app or the reports.
"""
