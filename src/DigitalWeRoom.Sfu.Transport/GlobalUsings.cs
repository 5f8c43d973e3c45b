global using System.Collections.Concurrent;
global using System.Net;
global using System.Net.Sockets;
global using DigitalWeRoom.Sfu.Protocols;
