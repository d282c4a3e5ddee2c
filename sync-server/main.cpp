// beatbook-sync-server: placeholder until the server runtime lands.
int main() { return 1; }
