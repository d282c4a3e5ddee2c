// beatbook-admin: placeholder until the admin commands land.
int main() { return 1; }
