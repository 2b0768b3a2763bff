from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField
from wtforms.validators import DataRequired, Email, Length


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
