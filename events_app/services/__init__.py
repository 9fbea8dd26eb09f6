"""Use cases, grouped by feature: each module runs one business operation in one transaction.

How an event is passed (one convention, so a caller never guesses):

- A service takes `event: EventView` when it needs what the event is (its title, time zone, days,
  or slug for links), and `event_id: int` when it needs only the key for its queries.
- The web layer resolves the slug in the URL once per request: `web.organiser.auth.staff_route`
  loads the organiser's event (`event_of(request)`), public pages call `catalogue.get_event`.
- A slug reaches a service only where the slug is itself the input: the public feeds and
  spreadsheets (`programme.feeds`, cached by slug), the agenda file export and the CLI helpers
  (`programme.exporter`, `registration.listing`, `checkin.devices.create_device`), the public
  registration form (`registration.signup.form_context` / `register`, which look the event up
  under the registration rules), and a staff role named in an administrator's form
  (`staff.accounts.grant_event_role`).
- A database row of an event (`Row`) stays inside the module that read it.
"""
