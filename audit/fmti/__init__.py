"""The Foundation Model Transparency Index (FMTI, Stanford CRFM) as a second rubric.

- `csvfile`   read the real FMTI CSVs (byte-order mark, multi-line cells) with line numbers;
- `data`      the FMTI facts kept as YAML under data/fmti/ (editions, rubric specs with indicator
              name aliases, reproduce sources), validated;
- `editions`  what each edition is: its rubric, date, developers and their flagship models;
- `rubricgen` generate rubrics/fmti-v1.yaml and rubrics/fmti-2025.yaml from the indicator CSVs
              (`family: fmti`, each indicator's other spellings as `aliases`);
- `importer`  turn report and score CSVs into disclosure records;
- `reproduce` score the imported records and check them against the published totals.

FMTI data is CC-BY 4.0: everything made from it credits "Foundation Model Transparency Index,
Stanford CRFM" and names the edition.
"""

CREDIT = "Foundation Model Transparency Index, Stanford CRFM"
