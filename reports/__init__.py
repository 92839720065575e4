"""The weekly report: PDF and Excel, made unattended from the command line."""
