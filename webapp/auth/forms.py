from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField, StringField
from wtforms.validators import DataRequired, Email, EqualTo, Length, Optional


class LoginForm(FlaskForm):
    email = EmailField(
        _l("이메일"),
        validators=[
            DataRequired(_l("이메일을 입력해 주십시오.")),
            Email(_l("이메일 형식이 올바르지 않습니다.")),
            Length(max=254),
        ],
    )
    password = PasswordField(
        _l("비밀번호"),
        validators=[DataRequired(_l("비밀번호를 입력해 주십시오.")), Length(max=200)],
    )


class RegisterForm(FlaskForm):
    name = StringField(
        _l("이름"), validators=[DataRequired(_l("이름을 입력해 주십시오.")), Length(max=100)]
    )
    email = EmailField(
        _l("이메일"),
        validators=[
            DataRequired(_l("이메일을 입력해 주십시오.")),
            Email(_l("이메일 형식이 올바르지 않습니다.")),
            Length(max=254),
        ],
    )
    phone = StringField(_l("연락처 (선택)"), validators=[Optional(), Length(max=30)])
    password = PasswordField(
        _l("비밀번호"),
        validators=[DataRequired(_l("비밀번호를 입력해 주십시오.")), Length(max=200)],
    )
    confirm = PasswordField(
        _l("비밀번호 확인"),
        validators=[
            DataRequired(_l("비밀번호를 한 번 더 입력해 주십시오.")),
            EqualTo("password", _l("두 비밀번호가 서로 다릅니다.")),
        ],
    )


class PasswordChangeForm(FlaskForm):
    current_password = PasswordField(
        _l("현재 비밀번호"), validators=[DataRequired(_l("현재 비밀번호를 입력해 주십시오."))]
    )
    new_password = PasswordField(
        _l("새 비밀번호"),
        validators=[DataRequired(_l("새 비밀번호를 입력해 주십시오.")), Length(max=200)],
    )
    confirm = PasswordField(
        _l("새 비밀번호 확인"),
        validators=[
            DataRequired(_l("새 비밀번호를 한 번 더 입력해 주십시오.")),
            EqualTo("new_password", _l("두 비밀번호가 서로 다릅니다.")),
        ],
    )


class ResetRequestForm(FlaskForm):
    email = EmailField(
        _l("이메일"),
        validators=[
            DataRequired(_l("이메일을 입력해 주십시오.")),
            Email(_l("이메일 형식이 올바르지 않습니다.")),
            Length(max=254),
        ],
    )


class ResetForm(FlaskForm):
    password = PasswordField(
        _l("새 비밀번호"),
        validators=[DataRequired(_l("새 비밀번호를 입력해 주십시오.")), Length(max=200)],
    )
    confirm = PasswordField(
        _l("새 비밀번호 확인"),
        validators=[
            DataRequired(_l("새 비밀번호를 한 번 더 입력해 주십시오.")),
            EqualTo("password", _l("두 비밀번호가 서로 다릅니다.")),
        ],
    )


class SecondFactorForm(FlaskForm):
    code = StringField(
        _l("인증 코드"),
        validators=[DataRequired(_l("인증 앱의 6자리 코드를 입력해 주십시오.")), Length(max=20)],
    )


class EndSessionsForm(FlaskForm):
    """The password typed again before any session is ended (ASVS V3.3.4)."""

    password = PasswordField(
        _l("현재 비밀번호"), validators=[DataRequired(_l("현재 비밀번호를 입력해 주십시오."))]
    )
