"""The staff site: Django's admin behind a password and a TOTP code, opening on the clerk's work dashboard."""

from django_otp.admin import OTPAdminSite

from config import dashboard
from config.staff_login import StaffLoginForm


class StaffAdminSite(OTPAdminSite):
    login_form = StaffLoginForm
    login_template = "admin/staff_login.html"
    index_template = "admin/dashboard.html"

    def index(self, request, extra_context=None):
        extra_context = {**(extra_context or {}), "work": dashboard.work_for(request.user)}
        return super().index(request, extra_context)
