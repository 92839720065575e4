"""Who sees what: local accounts and their grants, the scope a reader works in, the audit
trail and the big screen's kiosk links. Headless: no Streamlit here (the pages come next).

    passwords   argon2id hashing, minimum length
    accounts    hallpulse_users / hallpulse_grants: add, disable, passwords, grants, sign-in
    scope       Scope (who may see which halls, departments, staff) and its SQL filter
    audit       hallpulse_audit, append-only
    kiosk       hallpulse_kiosk_links: per-hall screen links with long random tokens
    bootstrap   the first admin of a fresh database
    settings    [access] in hallpulse.toml
"""
