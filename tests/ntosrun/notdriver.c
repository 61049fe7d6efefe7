/* notdriver.c - a shared object with no DriverEntry: ntosrun must refuse to load it. */
int NotADriver(void)
{
    return 0;
}
