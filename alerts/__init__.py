"""Alerts (预警推送): rules over the live figures, pushed to DingTalk, WeCom and e-mail.

- `rules`: the `[alerts]` settings of hallpulse.toml (rules, channels, the app's URL);
- `evaluate`: pure functions from one hall's live frames and its "now" to the conditions that
  hold, each with a stable episode key (`queue_wait:H01:Q03`);
- `channels`: the DingTalk robot (signed webhook), the WeCom robot and SMTP;
- `messages`: the text of an alert in Chinese or English, with its deep link;
- `service`: one pass (`run_once`): read, evaluate, open/clear episodes, send, record.

Headless: nothing here imports Streamlit.
"""
