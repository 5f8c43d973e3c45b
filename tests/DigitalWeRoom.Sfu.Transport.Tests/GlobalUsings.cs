global using System.Collections.Concurrent;
global using DigitalWeRoom.Sfu.Protocols;
