// Every servald command file, one import line each (each registers itself).
import "./help";
import "./version";
import "./selftest";
import "./selftest-crypto";
import "./daemon";
import "./config";
import "./keyring";
import "./id";
import "./route";
import "./mdp";
import "./msp-commands";
import "./msp-discover";
