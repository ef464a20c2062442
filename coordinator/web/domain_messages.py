"""Messages the domain raises in English, marked here so the web catalog translates them.

``flash_domain_error`` passes each domain message through ``gettext``; listing them here lets
``pybabel extract`` find them. Messages with values interpolated are not listed (shown as is).
"""
from __future__ import annotations

from flask_babel import lazy_gettext as _l

DOMAIN_MESSAGES = (
    _l("A date and time with a time zone is required."),
    _l("A recurring assignment needs an end date."),
    _l("Must be a number of 1 to 3 digits."),
    _l("Must be a year between 2000 and 2100."),
    _l("Name is required (at most 120 characters)."),
    _l("The end date must not be before the first due date."),
    _l("This email is already in use."),
    _l("This kelurahan is outside the program's region."),
    _l("This person does not work in this kelurahan."),
    _l("Title is required (at most 200 characters)."),
    _l("Unknown kelurahan code."),
    _l("Unknown network."),
    _l("Unknown or inactive network."),
    _l("Unknown or inactive person."),
    _l("Unknown program."),
    _l("Unknown region."),
    _l("a cancelled action cannot be completed"),
    _l("a closed program cannot be activated again"),
    _l("a closed program cannot be edited"),
    _l("a completed action cannot be cancelled; reopen it first"),
    _l("email already in use"),
    _l("only a completed action can be reopened"),
    _l("only an active program takes new actions"),
    _l("only an open action can be reassigned"),
    _l("the bulk assignment could not be saved; please try again"),
    _l("the region of an active program cannot change"),
    _l("you cannot deactivate yourself"),
)
