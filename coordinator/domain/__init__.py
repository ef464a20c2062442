"""The rules of Sinergi: plain functions over the models, one transaction each.

Web views, API resources, the SMS webhook, the workers and the CLI all call these;
no rule is written anywhere else.
"""
