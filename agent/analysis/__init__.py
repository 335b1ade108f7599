"""What the missed calls cost, from the PBX's own call detail records (CDR).

``rufbereit analyse`` reads Asterisk's CDR (cdr_csv's Master.csv, or the CDR table of a
database), puts each inbound call back together from its legs, classifies it (a person,
the assistant, missed, repeated), and reports the figures, the expected gain and the
before/after comparison. Layers: :mod:`.cdr` reads records, :mod:`.calls` rebuilds and
classifies calls, :mod:`.figures` counts, :mod:`.gain` prices, :mod:`.compare` compares
periods, :mod:`.charts` and :mod:`.page` draw, :mod:`.cli` is the command.
"""
