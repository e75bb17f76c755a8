from tests.paths import HOME_PATHS


def test_home_sends_each_role_to_its_own_home_page(users_by_role, login):
    for role, user in users_by_role.items():
        response = login(user).get("/home/")
        assert response.status_code == 302
        assert response["Location"] == HOME_PATHS[role]
