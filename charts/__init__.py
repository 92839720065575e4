"""Pure Plotly figure builders: frames in, `go.Figure` out, never a call to Streamlit.

The pages and the weekly report draw the same figures with the same template
(`charts.theme`). Every text a figure shows is passed in already translated.
"""
