"""The conversation: one :class:`~agent.dialogue.engine.DialogueEngine` per call.

``engine.py`` decides each turn (emergency first, then handover, topic switches, the
current flow); ``flows/`` holds one module per scenario (appointment, appointment_change,
lead, faq, order, emergency, handover, message); ``actions.py`` the typed actions a
:class:`~agent.dialogue.turn.Turn` carries; ``prompts.py`` and each flow's prompts say
everything in German and English; ``simulate.py`` is ``rufbereit simulate``.
``greeting.py`` is the skeleton's greet-and-hand-over conversation.

Nothing is imported here, so importing one module does not load the others.
"""
