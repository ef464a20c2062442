"""Staff pages for people: list, create, edit, deactivate."""
from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import or_, select
from wtforms import EmailField, PasswordField, SelectField, SelectMultipleField, StringField
from wtforms.validators import DataRequired, Length, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from coordinator.domain.people import create_person, deactivate_person, set_password, update_person
from coordinator.errors import DomainError, InvalidInput
from coordinator.extensions import db
from coordinator.models import Network, Person
from coordinator.models.people import ROLES
from coordinator.policy import audiences, can, get_person_or_404, region_filter, scoped_people
from coordinator.policy.roles import DEFAULT_NEW_ROLE
from coordinator.web import errors
from coordinator.web.action_filters import page_number
from coordinator.web.forms import ButtonForm, WebForm
from coordinator.web.labels import choices
from coordinator.web.regions import region_choices
from coordinator.web.staff import flash_domain_error, run_button, staff_required

blp = errors.install(Blueprint("people", __name__, url_prefix="/orang"))
PER_PAGE = 50


class PersonForm(WebForm):
    name = StringField(_l("Name"), validators=[
        DataRequired(_l("Enter a name.")), Length(max=120, message=_l("At most 120 characters."))])
    role = SelectField(_l("Role"))
    region_code = SelectField(_l("Home region"))
    phone = StringField(_l("Mobile phone"), validators=[Optional()])
    email = EmailField(_l("Email"), validators=[Optional()])
    language = SelectField(_l("Language"))
    channel_preference = SelectField(_l("Messages by"))
    rt = StringField(_l("RT"), validators=[Optional(), Length(max=3)])
    rw = StringField(_l("RW"), validators=[Optional(), Length(max=3)])
    network_ids = SelectMultipleField(_l("Networks"), coerce=int, widget=ListWidget(prefix_label=False),
                                      option_widget=CheckboxInput())
    password = PasswordField(_l("Password (staff only; leave empty to keep)"), validators=[Optional()])

    def fill_choices(self) -> PersonForm:
        self.role.choices = [(r, t) for r, t in choices("role")
                             if can(current_user, "person.give_role", r)]
        self.region_code.choices = region_choices(
            current_user, ("province", "city", "kecamatan", "kelurahan"))
        self.language.choices = choices("language")
        self.channel_preference.choices = choices("channel")
        self.network_ids.choices = [(n.id, n.name) for n in db.session.scalars(
            select(Network).where(Network.active.is_(True)).order_by(Network.name))]
        return self

    def values(self) -> dict[str, Any]:
        return {
            "name": self.name.data or "", "role": self.role.data,
            "region_code": self.region_code.data, "phone": self.phone.data or None,
            "email": self.email.data or None, "language": self.language.data,
            "channel_preference": self.channel_preference.data, "rt": self.rt.data or None,
            "rw": self.rw.data or None, "network_ids": list(self.network_ids.data or ()),
        }


def _explain(exc: DomainError, form: PersonForm) -> None:
    """Domain messages for phone and email carry the raw value in English: say it plainly."""
    if isinstance(exc, InvalidInput):
        if "phone" in exc.fields:
            exc.fields["phone"] = [_("Not a valid Indonesian mobile number "
                                     "(for example 0812 3456 7890).")]
        if "email" in exc.fields:
            exc.fields["email"] = [_("Not a valid email address.")]
        if "password" in exc.fields:
            exc.fields["password"] = [_("At least 10 characters.")]
    flash_domain_error(exc, form)


@blp.get("/")
@staff_required
def index() -> Any:
    query = scoped_people(current_user)
    role, region, q = (request.args.get(k, "").strip() for k in ("role", "region", "q"))
    problems = []
    if role in ROLES:
        query = query.where(audiences.with_role(role))
    elif role:
        problems.append(_("Unknown role %(value)s was ignored.", value=role[:40]))
    if region and all(part.isdigit() for part in region.split(".")):
        query = query.where(region_filter(Person.region_code, region))
    elif region:
        problems.append(_("Unknown region code %(value)s was ignored.", value=region[:40]))
    if q:
        pattern = f"%{q[:100]}%"
        query = query.where(or_(Person.name.ilike(pattern), Person.phone.ilike(pattern),
                                Person.email.ilike(pattern)))
    if request.args.get("inactive") != "1":
        query = query.where(Person.active.is_(True))
    pagination = db.paginate(query.order_by(Person.region_code, Person.name),
                             page=page_number(request.args.get("page")), per_page=PER_PAGE,
                             error_out=False)
    return render_template("people/index.html", pagination=pagination, role=role, roles=ROLES,
                           region=region,
                           q=q, args={k: v for k, v in request.args.items() if k != "page"},
                           problems=problems,
                           may_import=can(current_user, "person.import", current_user.region_code),
                           ), (400 if problems else 200)


@blp.route("/baru", methods=["GET", "POST"])
@staff_required
def new() -> Any:
    form = PersonForm().fill_choices()
    if request.method == "GET":
        form.role.data, form.region_code.data = DEFAULT_NEW_ROLE, current_user.region_code
        form.language.data, form.channel_preference.data = "id", "sms"
    if form.validate_on_submit():
        try:
            person = create_person(actor=current_user, **form.values(),
                                   password=form.password.data or None)
        except DomainError as exc:
            db.session.rollback()
            _explain(exc, form)
        else:
            flash(_("%(name)s was added.", name=person.name), "info")
            return redirect(url_for("people.index"))
    return render_template("people/form.html", form=form, person=None), (
        400 if form.errors else 200)


@blp.route("/<int:person_id>", methods=["GET", "POST"])
@staff_required
def edit(person_id: int) -> Any:
    person = get_person_or_404(current_user, person_id)
    may_manage = can(current_user, "person.manage", person)
    form = PersonForm(obj=person).fill_choices()
    if request.method == "GET":
        form.network_ids.data = [n.id for n in person.networks]
    if may_manage and form.validate_on_submit():
        try:
            update_person(person.id, actor=current_user, **form.values())
            if form.password.data:
                set_password(person, form.password.data)
        except DomainError as exc:
            db.session.rollback()
            _explain(exc, form)
        else:
            flash(_("Saved."), "info")
            return redirect(url_for("people.edit", person_id=person.id))
    return render_template("people/form.html", form=form, person=person, may_manage=may_manage,
                           may_sign_out=can(current_user, "person.sign_out", person),
                           button=ButtonForm()), (400 if form.errors else 200)


@blp.post("/<int:person_id>/nonaktifkan")
@staff_required
def deactivate(person_id: int) -> Any:
    person = get_person_or_404(current_user, person_id)
    run_button(lambda: deactivate_person(person.id, actor=current_user),
               _("%(name)s was deactivated.", name=person.name))
    return redirect(url_for("people.edit", person_id=person.id))
