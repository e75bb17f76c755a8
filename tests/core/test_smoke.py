from fitnesscrm.core.roles import HOME_URL_NAMES


def test_each_role_lands_on_its_own_home_page(users_by_role, login):
    for role, user in users_by_role.items():
        response = login(user).get("/home/")
        assert response.status_code == 302
        assert response["Location"] == f"/{HOME_URL_NAMES[role].removeprefix('home-')}/".replace(
            "/client/", "/portal/"
        )
