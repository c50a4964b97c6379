from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Province(models.TextChoices):
    """Province-level divisions, by their GB/T 2260 code."""

    BEIJING = "11", _("Beijing")
    TIANJIN = "12", _("Tianjin")
    HEBEI = "13", _("Hebei")
    SHANXI = "14", _("Shanxi")
    INNER_MONGOLIA = "15", _("Inner Mongolia")
    LIAONING = "21", _("Liaoning")
    JILIN = "22", _("Jilin")
    HEILONGJIANG = "23", _("Heilongjiang")
    SHANGHAI = "31", _("Shanghai")
    JIANGSU = "32", _("Jiangsu")
    ZHEJIANG = "33", _("Zhejiang")
    ANHUI = "34", _("Anhui")
    FUJIAN = "35", _("Fujian")
    JIANGXI = "36", _("Jiangxi")
    SHANDONG = "37", _("Shandong")
    HENAN = "41", _("Henan")
    HUBEI = "42", _("Hubei")
    HUNAN = "43", _("Hunan")
    GUANGDONG = "44", _("Guangdong")
    GUANGXI = "45", _("Guangxi")
    HAINAN = "46", _("Hainan")
    CHONGQING = "50", _("Chongqing")
    SICHUAN = "51", _("Sichuan")
    GUIZHOU = "52", _("Guizhou")
    YUNNAN = "53", _("Yunnan")
    TIBET = "54", _("Tibet")
    SHAANXI = "61", _("Shaanxi")
    GANSU = "62", _("Gansu")
    QINGHAI = "63", _("Qinghai")
    NINGXIA = "64", _("Ningxia")
    XINJIANG = "65", _("Xinjiang")


class Court(models.Model):
    class Level(models.TextChoices):
        SUPREME = "supreme", _("Supreme People's Court")
        HIGH = "high", _("High court")
        INTERMEDIATE = "intermediate", _("Intermediate court")
        BASIC = "basic", _("Basic court")

    name = models.CharField(_("name"), max_length=100, unique=True)
    name_en = models.CharField(_("English name"), max_length=150, blank=True)
    code = models.CharField(
        _("code"),
        max_length=12,
        unique=True,
        help_text=_("The court's code as it appears in its case numbers, e.g. 京0105 for Chaoyang District Court."),
    )
    level = models.CharField(_("level"), max_length=16, choices=Level.choices)
    province = models.CharField(_("province"), max_length=2, choices=Province.choices, blank=True)
    higher_court = models.ForeignKey(
        "self",
        verbose_name=_("higher court"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="lower_courts",
        help_text=_("The court that decides reconsiderations of this court's decisions."),
    )

    class Meta:
        ordering = ["code"]
        verbose_name = _("court")
        verbose_name_plural = _("courts")

    def __str__(self) -> str:
        return self.name


class StaffRole(models.Model):
    """What a staff user may do, and in which court. A user may hold several roles in several courts."""

    class Role(models.TextChoices):
        CLERK = "clerk", _("Clerk / enforcement officer")
        APPROVER = "approver", _("Approver (president's delegate)")
        REVIEWER = "reviewer", _("Reviewer of reconsiderations")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="court_roles", verbose_name=_("user")
    )
    court = models.ForeignKey(Court, on_delete=models.CASCADE, related_name="staff_roles", verbose_name=_("court"))
    role = models.CharField(_("role"), max_length=16, choices=Role.choices)

    class Meta:
        verbose_name = _("staff role")
        verbose_name_plural = _("staff roles")
        constraints = [models.UniqueConstraint(fields=["user", "court", "role"], name="staffrole_unique")]

    def __str__(self) -> str:
        return f"{self.user} - {self.get_role_display()} - {self.court}"
