"""Answers from the business's own documents, and nothing else.

``documents`` reads Markdown, text, HTML and PDF into sections under their headings,
``passages`` cuts them into passages, ``terms`` turns words into German index terms
(stems, compound parts, synonyms), ``index`` keeps a BM25 index per folder on disk, and
``answer`` says the one or two sentences that answer a question, or nothing.
"""
