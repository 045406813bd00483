# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from werkzeug.exceptions import BadRequest

from odoo import http
from odoo.exceptions import ValidationError
from odoo.http import request

from odoo.addons.rating.controllers.main import Rating


class RatingNps(Rating):
    """The rating page also asks the Net Promoter question (0 to 10)."""

    @http.route(
        ["/rate/<string:token>/submit_feedback"],
        type="http",
        auth="public",
        methods=["post", "get"],
        website=True,
    )
    def action_submit_rating(self, token, rate=0, **kwargs):
        nps = kwargs.pop("nps", None)
        if request.httprequest.method == "POST" and nps not in (None, ""):
            try:
                score = int(nps)
            except ValueError as error:
                raise BadRequest("nps must be a whole number from 0 to 10") from error
            # The token is the access check; the rating is written with sudo
            # only once it was found by its token. The model refuses a score
            # out of 0-10 (rating.rating._check_nps_score).
            rating_sudo, _record_sudo = self._get_rating_and_record(token)
            try:
                rating_sudo.write({"nps_answered": True, "nps_score": score})
            except ValidationError as error:
                raise BadRequest(error.args[0]) from error
        return super().action_submit_rating(token, rate=rate, **kwargs)
