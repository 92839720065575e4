"""The text catalog every user-facing layer shares (pages, charts, reports): Chinese first,
English beside it (`i18n.text.t`)."""
