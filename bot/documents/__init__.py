"""Documents: the data gathered by models/ as plain values, rendered here to PDF (WeasyPrint, from
HTML and CSS with the Sarabun font of bot/fonts), Word (python-docx) and Excel (openpyxl). Nothing
here knows Flask: the CLI, the console and LINE's download links all call the same functions."""
